// The live picture of one camera: its own video over GET /api/v1/cameras/{id}/live (WebSocket) into
// Media Source Extensions, never re-encoded; MJPEG (live.mjpeg) where the browser has no MSE or not
// the camera's codec. The protocol is written in docs/api.md ("live"); in short: a `stream` text
// (codec, size), the init segment, then one fragment per frame; `state` texts while the camera is
// away; a new `stream` (next generation) after a reconnection or a change of codec or size means:
// start again from its init segment. The player acknowledges the fragment bytes it has appended, so
// the server can tell a viewer that falls behind and move it to a later keyframe.
//
//   const player = createLivePlayer({ camera: "door", stream: "sub" });
//   box.append(player.node);
//   player.start();            // connects; stop() closes; setStream("main") switches
//   player.stats();            // {mode, codec, width, height, fps, latency_s, kbps, skips, ...}
//
// The player keeps near the live edge: more than JUMP_BEHIND_S behind it jumps there; between
// CATCH_UP_FROM_S and that it plays slightly faster (never slower than real time). It stops
// fetching while off-screen (IntersectionObserver) or while the tab is hidden, and comes back by
// itself. `node.dataset.liveMode` is "connecting" | "mse" | "mjpeg" | "snapshot" (MJPEG wanted, but
// the page already has MAX_MJPEG_STREAMS of them) | "waiting" (the camera is not sending) | "paused"
// (off-screen or hidden): the page's tests and the stats overlay read it.
import { el } from "./dom.js";

const JUMP_BEHIND_S = 1.0;
const CATCH_UP_FROM_S = 0.3;
const MAX_RATE = 1.25;
const KEEP_BEHIND_S = 10; // buffered video older than this is removed
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10000;
// Acknowledgements go at most this often (each one costs the server a wake-up); well inside the
// second of video the server lets a player have unacknowledged.
const ACK_EVERY_MS = 100;
// Media errors before a single frame has played, after which the player gives up on MSE for this
// camera (a codec the browser claims but cannot decode) and shows MJPEG.
const MAX_EARLY_MEDIA_ERRORS = 3;
// Every MJPEG stream holds one of the browser's 6 HTTP/1.1 connections to the server: past this
// many on one page, a fallback player shows a snapshot every SNAPSHOT_EVERY_MS instead, so the
// page's own requests always find a connection.
const MAX_MJPEG_STREAMS = 4;
const SNAPSHOT_EVERY_MS = 2000;
const mjpegSlots = new Set(); // the players of this page holding an MJPEG stream

/** Whether this browser can play `mime` through MSE (false where there is no MediaSource). */
export function canPlay(mime) {
  const Source = window.ManagedMediaSource || window.MediaSource;
  return !!Source && typeof Source.isTypeSupported === "function" && Source.isTypeSupported(mime);
}

function socketUrl(camera, stream) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/cameras/${encodeURIComponent(camera)}/live?stream=${stream}`;
}

/** `onStream(message)`: called with each `stream` message (codec, size, whether there is sound). */
export function createLivePlayer({ camera, stream = "sub", label = "Live picture", onStream = null }) {
  const video = el("video", { class: "live-video", muted: "", playsinline: "", autoplay: "", "aria-label": label, "data-role": "live-video" });
  video.muted = true; // the attribute alone does not mute a script-made element
  const img = el("img", { class: "live-mjpeg hidden", alt: label, "data-role": "live-image" });
  const node = el("div", { class: "live-player", dataset: { liveMode: "connecting" } }, video, img);

  let wanted = false; // start() called and not stop()
  // On screen (IntersectionObserver): unknown until the observer's first report, and nothing is
  // fetched meanwhile; without the observer, taken as on screen.
  let visible = !("IntersectionObserver" in window);
  let socket = null;
  let source = null; // MediaSource
  let buffer = null; // SourceBuffer
  let queue = []; // ArrayBuffers waiting for the SourceBuffer
  let info = null; // the last `stream` message
  let expectInit = false;
  let appendedBytes = 0; // fragment bytes appended since the last `stream`
  let retryMs = RETRY_MIN_MS;
  let retryTimer = null;
  let forceMjpeg = false; // the camera's codec cannot be played here
  let reason = "";
  let earlyMediaErrors = 0; // media errors since a frame last played
  let snapshotTimer = null;
  const self = {}; // this player's key in mjpegSlots
  const stat = { skips: 0, frames: 0, bytes: 0, since: performance.now(), fps: 0, kbps: 0, lastArrival: 0, resets: 0 };

  function setMode(mode) {
    if (node.dataset.liveMode !== mode) node.dataset.liveMode = mode;
  }

  function active() {
    return wanted && visible && document.visibilityState !== "hidden";
  }

  // --- MJPEG fallback ---------------------------------------------------------------------------
  function startMjpeg() {
    closeSocket();
    resetMedia();
    video.classList.add("hidden");
    img.classList.remove("hidden");
    clearInterval(snapshotTimer);
    const base = `/api/v1/cameras/${encodeURIComponent(camera)}`;
    if (mjpegSlots.has(self) || mjpegSlots.size < MAX_MJPEG_STREAMS) {
      mjpegSlots.add(self);
      img.src = `${base}/live.mjpeg?t=${Date.now()}`;
      setMode("mjpeg");
    } else {
      const refresh = () => { img.src = `${base}/snapshot.jpg?t=${Date.now()}`; };
      refresh();
      snapshotTimer = setInterval(refresh, SNAPSHOT_EVERY_MS);
      setMode("snapshot");
    }
  }

  function stopMjpeg() {
    clearInterval(snapshotTimer);
    snapshotTimer = null;
    mjpegSlots.delete(self);
    img.removeAttribute("src");
  }

  img.addEventListener("error", () => {
    if (node.dataset.liveMode !== "mjpeg" || !active()) return;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { if (active()) startMjpeg(); }, 3000);
  });

  // --- MSE ----------------------------------------------------------------------------------------
  function resetMedia() {
    queue = [];
    // An append still running on the old buffer ends (aborted) after this: its bytes must not count
    // in the next stream's acknowledgements (the listener checks the buffer is still the current one).
    pending = null;
    buffer = null;
    if (source) {
      try { if (source.readyState === "open") source.endOfStream(); } catch { /* already ended */ }
      source = null;
    }
    if (video.src) {
      URL.revokeObjectURL(video.src);
      video.removeAttribute("src");
      video.load();
    }
  }

  function openMedia(message) {
    resetMedia();
    const Source = window.ManagedMediaSource || window.MediaSource;
    const media = new Source();
    source = media;
    video.disableRemotePlayback = true;
    video.src = URL.createObjectURL(media);
    media.addEventListener("sourceopen", () => {
      if (source !== media) return;
      URL.revokeObjectURL(video.src);
      let added;
      try {
        added = media.addSourceBuffer(message.mime);
      } catch (error) {
        fail(`This browser refused ${message.mime}: ${error.message}`);
        return;
      }
      buffer = added;
      added.mode = "segments";
      added.addEventListener("updateend", () => { if (added === buffer) afterAppend(); });
      added.addEventListener("error", () => { if (added === buffer) mediaError("the browser could not append the video"); });
      pump();
    }, { once: true });
  }

  function pump() {
    if (!buffer || buffer.updating || !queue.length || !source || source.readyState !== "open") return;
    const chunk = queue.shift();
    try {
      buffer.appendBuffer(chunk.data);
      chunk.appended = true;
      pending = chunk;
    } catch (error) {
      if (error.name === "QuotaExceededError") {
        queue.unshift(chunk);
        // Room is made behind the playhead; when there is none to make, start again clean.
        if (!trim(true)) restart("the browser's buffer is full");
      } else {
        mediaError(`append failed: ${error.message}`);
      }
    }
  }

  let pending = null;
  let ackedBytes = 0;
  let lastAckAt = 0;
  let ackTimer = null;
  function sendAck() {
    clearTimeout(ackTimer);
    ackTimer = null;
    if (ackedBytes === appendedBytes || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "ack", bytes: appendedBytes }));
    ackedBytes = appendedBytes;
    lastAckAt = performance.now();
  }
  function acknowledge() {
    const wait = lastAckAt + ACK_EVERY_MS - performance.now();
    if (wait <= 0) sendAck();
    else if (!ackTimer) ackTimer = setTimeout(sendAck, wait);
  }

  function afterAppend() {
    if (pending && !pending.init) {
      appendedBytes += pending.data.byteLength;
      acknowledge();
    }
    pending = null;
    keepLive();
    trim(false);
    pump();
  }

  function bufferedEnd() {
    const ranges = video.buffered;
    return ranges.length ? ranges.end(ranges.length - 1) : null;
  }

  // Stay near the live edge: jump when far behind, play a little faster when slightly behind.
  function keepLive() {
    const end = bufferedEnd();
    if (end === null) return;
    const behind = end - video.currentTime;
    const ranges = video.buffered;
    const start = ranges.start(ranges.length - 1);
    if (behind > JUMP_BEHIND_S || video.currentTime < start) {
      video.currentTime = Math.max(start, end - 0.15);
    }
    const rate = behind > CATCH_UP_FROM_S ? Math.min(MAX_RATE, 1 + (behind - CATCH_UP_FROM_S) * 0.5) : 1;
    if (Math.abs(video.playbackRate - rate) > 0.01) video.playbackRate = Math.max(1, rate);
    if (video.paused && active()) video.play().catch(() => {});
  }

  /** Removes video long behind the playhead (`now`: anything a second behind it, the buffer is
   * full); true when something is being removed. */
  function trim(now) {
    if (!buffer || buffer.updating) return false;
    const ranges = video.buffered;
    if (!ranges.length) return false;
    const oldest = ranges.start(0);
    const keepFrom = video.currentTime - (now ? 1 : KEEP_BEHIND_S);
    if (keepFrom - oldest <= (now ? 0 : KEEP_BEHIND_S)) return false;
    try {
      buffer.remove(oldest, keepFrom);
      return true;
    } catch {
      return false; // a later updateend retries
    }
  }

  function onText(text) {
    let message;
    try { message = JSON.parse(text); } catch { return; }
    switch (message.type) {
      case "stream":
        info = message;
        reason = "";
        if (onStream) onStream(message);
        if (!canPlay(message.mime)) {
          forceMjpeg = true;
          reason = `This browser cannot play ${message.mime} through Media Source Extensions: showing MJPEG.`;
          startMjpeg();
          return;
        }
        stat.resets += 1;
        appendedBytes = 0;
        ackedBytes = 0;
        clearTimeout(ackTimer);
        ackTimer = null;
        expectInit = true;
        openMedia(message);
        setMode("waiting");
        break;
      case "state":
        setMode("waiting");
        reason = message.error || `Camera ${message.state}`;
        break;
      case "unsupported":
        forceMjpeg = true;
        reason = `The live view cannot carry ${message.codec}: showing MJPEG.`;
        startMjpeg();
        break;
      case "behind":
      case "skip":
        if (typeof message.skips === "number") stat.skips = message.skips;
        break;
      default:
        break;
    }
  }

  function onBinary(data) {
    if (expectInit) {
      expectInit = false;
      queue.push({ data, init: true });
    } else {
      queue.push({ data, init: false });
      stat.frames += 1;
      stat.bytes += data.byteLength;
      stat.lastArrival = performance.now();
      if (node.dataset.liveMode === "waiting") setMode("mse");
    }
    pump();
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!active() || socket) return;
    if (forceMjpeg) {
      if (!mjpegSlots.has(self) && !snapshotTimer) startMjpeg();
      return;
    }
    stopMjpeg();
    img.classList.add("hidden");
    video.classList.remove("hidden");
    setMode("connecting");
    const ws = new WebSocket(socketUrl(camera, stream));
    ws.binaryType = "arraybuffer";
    socket = ws;
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      if (typeof event.data === "string") onText(event.data);
      else onBinary(event.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (!active()) return;
      setMode("connecting");
      retryTimer = setTimeout(connect, retryMs * (0.8 + Math.random() * 0.4));
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
    };
  }

  function closeSocket() {
    clearTimeout(retryTimer);
    if (socket) {
      const ws = socket;
      socket = null;
      ws.onclose = null;
      ws.close();
    }
  }

  /** Drops everything and connects again (a media error: the next init segment starts clean). */
  /** Drops everything and connects again after the back-off (the next init segment starts clean). */
  function restart(why) {
    reason = why;
    closeSocket();
    resetMedia();
    if (!active()) return;
    retryTimer = setTimeout(connect, retryMs * (0.8 + Math.random() * 0.4));
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  }

  /** The browser could not take or decode the video: again, and MJPEG after a few failures
   * without a single frame played (a codec it claims but cannot decode). */
  function mediaError(why) {
    earlyMediaErrors += 1;
    if (earlyMediaErrors >= MAX_EARLY_MEDIA_ERRORS) fail(`${why}; showing MJPEG`);
    else restart(why);
  }

  function fail(why) {
    forceMjpeg = true;
    reason = why;
    startMjpeg();
  }

  video.addEventListener("error", () => {
    // A src removed on purpose (resetMedia) raises no error worth a retry.
    if (!source) return;
    mediaError(`video error ${video.error ? video.error.code : ""}`);
  });
  // A frame played: the connection and the codec work.
  video.addEventListener("playing", () => {
    earlyMediaErrors = 0;
    retryMs = RETRY_MIN_MS;
  });

  function pause() {
    closeSocket();
    resetMedia();
    stopMjpeg();
    setMode("paused");
  }

  function update() {
    if (active()) connect();
    else pause();
  }

  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => {
      for (const entry of entries) visible = entry.isIntersecting;
      update();
    })
    : null;
  const onVisibility = () => update();

  // Frames shown per second and bitrate, measured over the last second or so.
  let shown = 0;
  const countFrame = () => {
    shown += 1;
    if (wanted) video.requestVideoFrameCallback(countFrame);
  };
  const hasFrameCallback = "requestVideoFrameCallback" in HTMLVideoElement.prototype;
  const meter = setInterval(() => {
    const now = performance.now();
    const seconds = (now - stat.since) / 1000;
    if (seconds < 1) return;
    stat.fps = hasFrameCallback ? shown / seconds : 0;
    stat.kbps = (stat.bytes * 8) / 1000 / seconds;
    stat.since = now;
    stat.bytes = 0;
    shown = 0;
  }, 1000);

  return {
    node,
    video,
    start() {
      if (wanted) return;
      wanted = true;
      if (observer) observer.observe(node);
      document.addEventListener("visibilitychange", onVisibility);
      if (hasFrameCallback) video.requestVideoFrameCallback(countFrame);
      update();
    },
    stop() {
      wanted = false;
      if (observer) observer.unobserve(node);
      document.removeEventListener("visibilitychange", onVisibility);
      pause();
    },
    destroy() {
      this.stop();
      clearInterval(meter);
      node.remove();
    },
    /** Switches between the main and the sub stream. */
    setStream(next) {
      if (next === stream) return;
      stream = next;
      forceMjpeg = false;
      closeSocket();
      resetMedia();
      update();
    },
    /** A fresh connection now (the camera is back): nothing to wait for. */
    reconnect() {
      retryMs = RETRY_MIN_MS;
      // Nothing to do while a socket is open, or an MJPEG stream (it carries on by itself).
      if (socket || !active() || mjpegSlots.has(self)) return;
      connect();
    },
    get stream() { return stream; },
    /** Whether the stream carries sound (AAC); the video starts muted. */
    get hasAudio() { return !!info && info.codecs.some((c) => c.startsWith("mp4a")); },
    /** What the stats overlay shows; latency_s is how far the shown frame is behind the newest one
     * received, plus the time since that one arrived. */
    stats() {
      const end = bufferedEnd();
      const mode = node.dataset.liveMode;
      const latency = mode === "mse" && end !== null
        ? Math.max(0, end - video.currentTime) + (performance.now() - stat.lastArrival) / 1000
        : null;
      return {
        mode,
        stream,
        reason,
        codec: info ? info.codecs.join(", ") : null,
        width: video.videoWidth || (info && info.width) || img.naturalWidth || 0,
        height: video.videoHeight || (info && info.height) || img.naturalHeight || 0,
        fps: stat.fps,
        camera_fps: info ? info.fps : null,
        latency_s: latency,
        kbps: stat.kbps,
        skips: stat.skips,
        resets: stat.resets,
        rate: video.playbackRate,
      };
    },
  };
}
