"""Runs PySceneDetect's detectors on videos for bench/shots, one JSON line per (file, detector).

    PYTHONPATH=<PySceneDetect source> /usr/bin/python3 pyscenedetect_runner.py DETECTORS FILE...

DETECTORS is a comma list of adaptive, content, threshold, histogram, hash (default settings,
OpenCV backend). Each line: {"file", "detector", "cuts": [decoded frame index, ...], "frames",
"seconds"}; cut indices count decoded frames from 0, like the truth, so a file whose first
timestamp is not zero scores the same.
"""

import json
import sys
import time

from scenedetect import (
    AdaptiveDetector,
    ContentDetector,
    HashDetector,
    HistogramDetector,
    SceneManager,
    ThresholdDetector,
    open_video,
)
from scenedetect.detector import SceneDetector

DETECTORS = {
    "adaptive": AdaptiveDetector,
    "content": ContentDetector,
    "threshold": ThresholdDetector,
    "histogram": HistogramDetector,
    "hash": HashDetector,
}


class FrameClock(SceneDetector):
    """Records the timecode of every frame, to turn cut timecodes into decoded frame indices."""

    def __init__(self):
        super().__init__()
        self.index = {}

    def process_frame(self, timecode, frame_img):
        self.index.setdefault(timecode.frame_num, len(self.index))
        return []


def run(file, name):
    t0 = time.perf_counter()
    video = open_video(file)
    manager = SceneManager()
    clock = FrameClock()
    manager.add_detector(DETECTORS[name]())
    manager.add_detector(clock)
    manager.detect_scenes(video)
    scenes = manager.get_scene_list()
    seconds = time.perf_counter() - t0
    cuts = [clock.index.get(start.frame_num, start.frame_num) for start, _ in scenes[1:]]
    return {"file": file, "detector": name, "cuts": cuts, "frames": len(clock.index), "seconds": seconds}


def main():
    names = sys.argv[1].split(",")
    for file in sys.argv[2:]:
        for name in names:
            print(json.dumps(run(file, name)), flush=True)


if __name__ == "__main__":
    main()
