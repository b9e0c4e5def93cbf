"""Runs PySceneDetect's adaptive detector (defaults, OpenCV backend) over one video and prints
one JSON line: frames processed, the cut frames, and the wall and CPU seconds (all threads) of
opening and detecting alone, without the interpreter's start and imports. The caller times the
whole process too.

    PYTHONPATH=<PySceneDetect source> /usr/bin/python3 pyscenedetect_adaptive.py FILE
"""
import json
import sys
import time

from scenedetect import AdaptiveDetector, SceneManager, open_video

wall0, cpu0 = time.perf_counter(), time.process_time()
video = open_video(sys.argv[1], backend="opencv")
manager = SceneManager()
manager.add_detector(AdaptiveDetector())
frames = manager.detect_scenes(video)
scenes = manager.get_scene_list()
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
print(json.dumps({"frames": frames, "cuts": [start.get_frames() for start, _ in scenes[1:]], "wall": wall, "cpu": cpu}))
