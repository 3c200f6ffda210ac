#!/usr/bin/python3
"""The benchmark's camera source: N cameras over RTSP from pre-encoded files, without decoding.

One GStreamer RTSP server, two mounts per camera: /camK/main (1080p) and /camK/sub (360p),
K = 1..N. Each client gets its own pipeline that reads the cached MPEG-TS file in a loop and
packetises it as is:  multifilesrc loop=true ! tsdemux ! h264parse ! rtph264pay
(tsdemux keeps the timestamps continuous across the loop; nothing is decoded or encoded).

The motion schedule is in the file (bench/media/schedule.json): a pipeline starts at frame 0 of
the file, so frame counts give the schedule exactly. A pad probe counts the frames each pipeline
sends and prints, on stdout:
  READY rtsp://127.0.0.1:PORT N
  ONSET /camK/sub EPOCH          when the first frame of a motion window is handed to the network
  (on SIGUSR1) COUNT /camK/main FRAMES_SENT   one line per mount, then COUNTED
SIGTERM/SIGINT: exit 0. Run with Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0).
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

OUT_LOCK = threading.Lock()


def say(line):
    with OUT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class Mount:
    def __init__(self, path, media_file, onset_frames, loop_frames):
        self.path = path
        self.sent = 0  # frames handed to the payloader, over every pipeline of this mount
        self.onset_frames = onset_frames
        self.loop_frames = loop_frames
        self.factory = GstRtspServer.RTSPMediaFactory()
        self.factory.set_launch(
            f'( multifilesrc location="{media_file}" loop=true '
            f'caps="video/mpegts,systemstream=(boolean)true,packetsize=(int)188" '
            f"! tsdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
        )
        self.factory.set_shared(False)
        self.factory.set_latency(0)
        self.factory.connect("media-configure", self.on_media_configure)

    def on_media_configure(self, _factory, media):
        pay = media.get_element().get_by_name("pay0")
        pad = pay.get_static_pad("sink")
        frame = [0]  # this pipeline's frame counter (a new client starts at frame 0 of the file)
        onsets = self.onset_frames
        loop = self.loop_frames
        track = self.path.endswith("/sub") and bool(onsets)

        def probe(_pad, _info):
            n = frame[0]
            frame[0] = n + 1
            self.sent += 1
            if track and (n % loop) in onsets:
                say(f"ONSET {self.path} {time.time():.3f}")
            return Gst.PadProbeReturn.OK

        pad.add_probe(Gst.PadProbeType.BUFFER, probe)
        # A looping source has no end: answer "not seekable", so that a PLAY with a Range header
        # (FFmpeg sends npt=0-) is served from where the stream is instead of failing with 503.
        pay.get_static_pad("src").add_probe(Gst.PadProbeType.QUERY_UPSTREAM, self.not_seekable)

    @staticmethod
    def not_seekable(_pad, info):
        query = info.get_query()
        if query is not None and query.type == Gst.QueryType.SEEKING:
            # a fresh SEEKING query already says seekable=false (and PyGObject cannot write to it)
            return Gst.PadProbeReturn.HANDLED
        return Gst.PadProbeReturn.OK


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cameras", type=int, required=True)
    p.add_argument("--media", default=str(Path(__file__).resolve().parent / "media"))
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args(argv)
    media = Path(args.media)
    schedule = json.loads((media / "schedule.json").read_text())
    fps = schedule["fps"]
    loop_frames = schedule["loop_seconds"] * fps
    onsets = set()
    t = schedule["offset_seconds"]
    while t < schedule["loop_seconds"]:
        onsets.add(int(round(t * fps)))
        t += schedule["period_seconds"]

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = []
    points = server.get_mount_points()
    for k in range(1, args.cameras + 1):
        for kind in ("main", "sub"):
            m = Mount(f"/cam{k}/{kind}", media / f"{kind}.ts", onsets, loop_frames)
            points.add_factory(m.path, m.factory)
            mounts.append(m)
    if server.attach(None) == 0:
        print(f"rtsp_source: cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 2
    loop = GLib.MainLoop()

    def report():
        for m in mounts:
            say(f"COUNT {m.path} {m.sent}")
        say("COUNTED")
        return True

    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGUSR1, report)
    say(f"READY rtsp://127.0.0.1:{server.get_bound_port()} {args.cameras}")
    loop.run()
    sys.stdout.flush()
    os._exit(0)  # tearing down live RTSP sessions can block in GStreamer; the OS frees everything


if __name__ == "__main__":
    sys.exit(main())
