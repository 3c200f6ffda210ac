#!/usr/bin/python3
"""A scriptable test camera: GStreamer's RTSP server serving H.264 (and optionally audio).

The scene is a static SMPTE-bar background. During each scheduled motion window a solid
white box (1/6 of the frame height) crosses the frame from left to right at constant speed;
outside the windows the picture is perfectly still (the box has alpha 0 and the encoder runs
at a constant quantizer, so static frames decode identically).

The schedule is wall-clock time relative to an origin (the tool's start, or --origin), so it
holds whenever a client connects and across a kill/restart when the same origin is passed.
The media is shared: every client (record + detect) sees the same pipeline.

On start it prints one line:  READY rtsp://127.0.0.1:PORT/PATH ORIGIN_EPOCH_SECONDS
SIGUSR1 starts a crossing of --motion-duration seconds at once and prints MOTION EPOCH DURATION.
With --clock strip, every frame carries the wall clock at which it was drawn (just before encoding),
as a strip of black and white cells along its top edge (CLOCK_BITS below): a viewer that reads the
cells of the frame it displays knows how far behind the wall clock it is.
SIGTERM/SIGINT exit 0. Restart on the same --port with the printed --origin to keep the schedule.
With --events-file PATH, every RTSP connection and session is appended to PATH as it happens, one line
each (stdout is left alone):  CLIENT EPOCH IP  when a client connects,  SESSION EPOCH PATH  when it
creates an RTSP session (SETUP),  CLOSED EPOCH IP  when its connection ends. A client that keeps its
session adds no line; a reconnection adds a CLIENT and a SESSION line.
Run it with Debian's /usr/bin/python3 (it needs python3-gi and gir1.2-gst-rtsp-server-1.0).
"""

import argparse
import os
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

# The clock strip: CLOCK_CELLS square cells in a row from the top-left corner, each
# width // CLOCK_CELLS_PER_WIDTH pixels wide: a white then a black marker cell, then CLOCK_BITS cells
# holding the drawing time in milliseconds since the epoch modulo 2^CLOCK_BITS, most significant
# bit first, white for 1. The reader (tests/test_live_player.py) reads these numbers from here.
CLOCK_BITS = 32
CLOCK_CELLS = 2 + CLOCK_BITS
CLOCK_CELLS_PER_WIDTH = 40


def parse_windows(spec):
    """'START:DURATION,START:DURATION' -> [(start, duration)] in seconds."""
    windows = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        start, _, duration = part.partition(":")
        if not duration:
            raise argparse.ArgumentTypeError(f"bad motion window {part!r}: want START:DURATION")
        windows.append((float(start), float(duration)))
    return windows


class Schedule:
    def __init__(self, windows, every=None, duration=None, offset=0.0):
        self.windows = sorted(windows)
        self.every = every
        self.duration = duration
        self.offset = offset

    def active(self, t):
        """Return the fraction [0,1) of the crossing at time t, or None when still."""
        for start, duration in self.windows:
            if start <= t < start + duration:
                return (t - start) / duration
        if self.every and self.duration and t >= self.offset:
            phase = (t - self.offset) % self.every
            if phase < self.duration:
                return phase / self.duration
        return None


class TestCamera:
    def __init__(self, args):
        self.args = args
        self.origin = args.origin if args.origin is not None else time.time()
        self.schedule = Schedule(
            parse_windows(args.motion), args.motion_every, args.motion_duration, args.motion_offset
        )
        self.box_h = max(8, (args.height // 6) // 2 * 2)
        self.box_w = max(8, (args.height // 3) // 2 * 2)
        self.box_y = (args.height - self.box_h) // 2
        self.pads = []  # compositor sink pads of the box, one per live pipeline
        self.events = open(args.events_file, "a", buffering=1) if args.events_file else None

    def event(self, kind, detail):
        if self.events is not None:
            self.events.write(f"{kind} {time.time():.3f} {detail}\n")
            self.events.flush()

    def on_client_connected(self, _server, client):
        connection = client.get_connection()
        ip = connection.get_ip() if connection is not None else "?"
        self.event("CLIENT", ip)
        client.connect("new-session", lambda _c, _session: self.event("SESSION", self.args.path))
        client.connect("closed", lambda _c: self.event("CLOSED", ip))

    def launch_string(self):
        a = self.args
        raw = f"video/x-raw,format=I420,framerate={a.fps}/1"
        video = (
            f"compositor name=mix background=black sink_1::alpha=0 sink_1::ypos={self.box_y} "
            f"sink_1::xpos={-self.box_w} "
            f"! {raw},width={a.width},height={a.height} "
            f"{self.clock_strip()}"
            f"! {self.encoder()} "
            f"videotestsrc is-live=true pattern=smpte75 ! {raw},width={a.width},height={a.height} "
            f"! mix.sink_0 "
            f"videotestsrc is-live=true pattern=solid-color foreground-color=0xffffffff "
            f"! {raw},width={self.box_w},height={self.box_h} ! mix.sink_1 "
        )
        audio = ""
        if a.audio == "aac":
            audio = (
                "audiotestsrc is-live=true wave=sine freq=440 volume=0.1 samplesperbuffer=1024 "
                "! audioconvert ! audioresample ! audio/x-raw,rate=16000,channels=1 "
                "! avenc_aac ! rtpmp4gpay name=pay1 pt=97 "
            )
        elif a.audio == "pcma":
            audio = (
                "audiotestsrc is-live=true wave=sine freq=440 volume=0.1 samplesperbuffer=320 "
                "! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 "
                "! alawenc ! rtppcmapay name=pay1 pt=8 "
            )
        return f"( {video}{audio})"

    def clock_strip(self):
        """The elements that burn the wall clock into each frame (--clock strip), or nothing."""
        if self.args.clock != "strip":
            return ""
        gi.require_foreign("cairo")  # python3-gi-cairo: the draw signal hands over a cairo context
        return (
            "! videoconvert ! video/x-raw,format=BGRx ! cairooverlay name=clock ! videoconvert "
            f"! video/x-raw,format=I420 "
        )

    def draw_clock(self, _overlay, context, _timestamp, _duration):
        cell = max(4, self.args.width // CLOCK_CELLS_PER_WIDTH)
        value = int(time.time() * 1000) % (1 << CLOCK_BITS)
        bits = [1, 0] + [(value >> (CLOCK_BITS - 1 - i)) & 1 for i in range(CLOCK_BITS)]
        for index, bit in enumerate(bits):
            shade = 1.0 if bit else 0.0
            context.set_source_rgb(shade, shade, shade)
            context.rectangle(index * cell, 0, cell, cell)
            context.fill()

    def encoder(self):
        """Encoder and payloader: H.264 (the default) or H.265 (as many cameras' main streams), both
        at a constant quantizer without B-frames, so still frames decode identically."""
        a = self.args
        if a.codec == "h265":
            return (
                f"x265enc speed-preset=ultrafast tune=zerolatency qp=22 key-int-max={a.gop} "
                f'option-string="bframes=0:pools=1:frame-threads=1" '
                f"! video/x-h265,profile=main ! rtph265pay name=pay0 pt=96 config-interval=-1"
            )
        if a.bframes > 0:  # main profile with B-frames: packets come out of display order
            return (
                f"x264enc speed-preset=ultrafast threads=1 pass=quant quantizer=22 "
                f"key-int-max={a.gop} bframes={a.bframes} b-adapt=false byte-stream=false "
                f"! video/x-h264,profile=main "
                f"! rtph264pay name=pay0 pt=96 config-interval=-1"
            )
        return (
            f"x264enc speed-preset=ultrafast tune=zerolatency threads=1 pass=quant quantizer=22 "
            f"key-int-max={a.gop} bframes=0 "
            f"! video/x-h264,profile=constrained-baseline "
            f"! rtph264pay name=pay0 pt=96 config-interval=-1"
        )

    def on_media_configure(self, _factory, media):
        element = media.get_element()
        clock = element.get_by_name("clock")
        if clock is not None:
            clock.connect("draw", self.draw_clock)
        mix = element.get_by_name("mix")
        if mix is None:
            return
        pad = mix.get_static_pad("sink_1")
        self.pads.append(pad)
        media.connect("unprepared", lambda _m: self.pads.remove(pad) if pad in self.pads else None)
        self.tick()

    def tick(self):
        fraction = self.schedule.active(time.time() - self.origin)
        for pad in self.pads:
            if fraction is None:
                pad.set_property("alpha", 0.0)
                pad.set_property("xpos", -self.box_w)
            else:
                span = self.args.width + self.box_w
                pad.set_property("xpos", int(-self.box_w + fraction * span))
                pad.set_property("alpha", 1.0)
        return True

    def motion_now(self):
        """SIGUSR1: start a crossing of --motion-duration seconds now; acknowledged on stdout."""
        now = time.time()
        self.schedule.windows.append((now - self.origin, self.args.motion_duration))
        self.schedule.windows.sort()
        self.tick()
        print(f"MOTION {now:.3f} {self.args.motion_duration:g}", flush=True)
        return True

    def run(self):
        a = self.args
        server = GstRtspServer.RTSPServer()
        server.set_address(a.address)
        server.set_service(str(a.port))
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(self.launch_string())
        factory.set_shared(True)
        factory.set_latency(0)
        factory.connect("media-configure", self.on_media_configure)
        if a.user is not None:
            auth = GstRtspServer.RTSPAuth()
            token = GstRtspServer.RTSPToken()
            token.set_string("media.factory.role", "user")
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password or ""), token)
            auth.add_digest(a.user, a.password or "", token)
            # GI maps GstRTSPAuthMethod as an enum, so BASIC|DIGEST cannot be passed: one method.
            methods = GstRtsp.RTSPAuthMethod.DIGEST if a.auth == "digest" else GstRtsp.RTSPAuthMethod.BASIC
            auth.set_supported_methods(methods)
            server.set_auth(auth)
            role, _ = Gst.Structure.from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
            factory.add_role_from_structure(role)
        server.get_mount_points().add_factory(a.path, factory)
        server.connect("client-connected", self.on_client_connected)
        if server.attach(None) == 0:
            print(f"testcam: cannot listen on {a.address}:{a.port}", file=sys.stderr, flush=True)
            return 2
        port = server.get_bound_port()
        loop = GLib.MainLoop()
        interval_ms = max(5, min(40, int(1000 / a.fps / 2)))
        GLib.timeout_add(interval_ms, self.tick)
        for signum in (signal.SIGTERM, signal.SIGINT):
            GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, loop.quit)
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGUSR1, self.motion_now)
        host = "127.0.0.1" if a.address in ("0.0.0.0", "127.0.0.1") else a.address
        print(f"READY rtsp://{host}:{port}{a.path} {self.origin:.3f}", flush=True)
        loop.run()
        sys.stdout.flush()
        sys.stderr.flush()
        # Tearing down live RTSP sessions can block in GStreamer; the OS frees everything.
        os._exit(0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--path", default="/cam")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--gop", type=int, default=30, help="keyframe interval in frames")
    p.add_argument("--motion", default="", help="START:DURATION,... seconds after the origin")
    p.add_argument("--motion-every", type=float, default=None, help="repeat a window every PERIOD s")
    p.add_argument("--motion-duration", type=float, default=4.0,
                   help="length of each repeating window, and of a SIGUSR1 window")
    p.add_argument("--motion-offset", type=float, default=0.0)
    p.add_argument("--origin", type=float, default=None,
                   help="schedule origin (epoch seconds); default: now. Pass the old one on restart")
    p.add_argument("--user", default=None)
    p.add_argument("--password", default=None)
    p.add_argument("--auth", choices=["basic", "digest"], default="basic")
    p.add_argument("--audio", choices=["aac", "pcma", "none"], default="none")
    p.add_argument("--clock", choices=["none", "strip"], default="none",
                   help="burn the wall clock into each frame as a strip of cells (see CLOCK_BITS)")
    p.add_argument("--codec", choices=["h264", "h265"], default="h264", help="video codec")
    p.add_argument("--bframes", type=int, default=0, help="H.264 B-frames between references (main profile)")
    p.add_argument("--events-file", default=None,
                   help="append CLIENT/SESSION/CLOSED lines (one per RTSP connection/session) to this file")
    args = p.parse_args(argv)
    if not args.path.startswith("/"):
        args.path = "/" + args.path
    Gst.init(None)
    return TestCamera(args).run()


if __name__ == "__main__":
    sys.exit(main())
