"""Runs PySceneDetect's adaptive detector (defaults, OpenCV backend) over one video and prints
one JSON line: frames processed and the cut frames. Timing is done by the caller.

    PYTHONPATH=<PySceneDetect source> /usr/bin/python3 pyscenedetect_adaptive.py FILE
"""
import json
import sys

from scenedetect import AdaptiveDetector, SceneManager, open_video

video = open_video(sys.argv[1], backend="opencv")
manager = SceneManager()
manager.add_detector(AdaptiveDetector())
frames = manager.detect_scenes(video)
scenes = manager.get_scene_list()
print(json.dumps({"frames": frames, "cuts": [start.get_frames() for start, _ in scenes[1:]]}))
