// vms-limit: the benchmark's in-process limit (bench/README.md, docs/performance.md).
//
// Contract. `vms-limit --out DIR [--fps 5] [--width 320] [--clip-seconds 10] MAIN SUB [MAIN SUB...]`
// does, for each camera (a MAIN and a SUB URL), only the work no NVR that records the main stream
// and detects motion on the substream in-process can avoid, with the same VMSMedia code vms uses:
//
// - an `in-camK` thread reads MAIN (RTSP over TCP, `MediaInput`), copies every packet out of FFmpeg
//   (`MediaPacket`, as vms's reader does for its recorder) and writes it by stream copy into
//   fragmented MP4 files with vms's `ClipWriter` (same muxer options, same fsync at the end of a
//   file), a new file at the first keyframe after every `--clip-seconds`: continuous recording, so
//   at least as many bytes as vms's motion clips;
// - a `det-camK` thread reads SUB, decodes every video packet from the first keyframe on with vms's
//   `VideoDecoder` (one thread, deblocking skipped as vms does while nobody watches live), and at
//   most `--fps` times a second scales the decoded frame to a `--width` gray picture
//   (`grayFrame(of:)`): what vms's motion analyzer does before it hands a picture to a detector.
//
// Nothing else: no actor, no async runtime, no hand-over between threads, no clip index, no status
// hub, no web server, no detector, no pre-roll ring, no reconnect backoff (a failed input is reopened
// after 1 s). It runs until SIGINT or SIGTERM, then closes its files and prints one JSON line per
// camera on stdout: {"camera", "seconds", "files", "packets_written", "bytes_written",
// "frames_decoded", "frames_scaled"}, so the harness can check that the work was done.
import CFFmpeg
import Foundation
import Synchronization
import Timekeeping
import VMSConfig
import VMSMedia

/// What one camera did, filled in by its two threads when they end.
struct CameraCounts: Sendable {
  var files = 0
  var packetsWritten = 0
  var bytesWritten: Int64 = 0
  var framesDecoded = 0
  var framesScaled = 0
}

struct Options {
  var out = ""
  var fps = 5.0
  var width = 320
  var clipSeconds = 10.0
  var cameras: [(main: String, sub: String)] = []

  static func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var urls: [String] = []
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      switch argument {
      case "--out": options.out = rest.popFirst() ?? ""
      case "--fps": options.fps = rest.popFirst().flatMap(Double.init) ?? -1
      case "--width": options.width = rest.popFirst().flatMap(Int.init) ?? -1
      case "--clip-seconds": options.clipSeconds = rest.popFirst().flatMap(Double.init) ?? -1
      default: urls.append(argument)
      }
    }
    guard !options.out.isEmpty, options.fps > 0, options.width >= 16, options.clipSeconds > 0,
      !urls.isEmpty, urls.count % 2 == 0
    else { return nil }
    options.cameras = stride(from: 0, to: urls.count, by: 2).map { (urls[$0], urls[$0 + 1]) }
    return options
  }
}

/// Names the calling thread as vms names its threads (Linux: 15 bytes at most), for `perf`.
func nameThread(_ name: String) {
  let fd = open("/proc/thread-self/comm", O_WRONLY)
  guard fd >= 0 else { return }
  let bytes = Array(name.utf8.prefix(15))
  _ = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
  close(fd)
}

func complain(_ text: String) {
  FileHandle.standardError.write(Data("vms-limit: \(text)\n".utf8))
}

/// Opens `url` until it answers or a stop is requested; nil on stop.
func connect(_ url: String, _ interrupt: InterruptState) -> MediaInput? {
  while !interrupt.isStopRequested {
    do {
      return try MediaInput(url: url, transport: .tcp, interrupt: interrupt)
    } catch {
      if !interrupt.isStopRequested { complain("\(url): \(error); again in 1 s") }
      usleep(1_000_000)
    }
  }
  return nil
}

/// The packet copied out of FFmpeg, as vms's stream reader copies it for its recorder.
func copy(_ packet: UnsafeMutablePointer<AVPacket>) -> MediaPacket {
  MediaPacket(copying: packet, receivedAtMs: WallTime.now().sinceEpochMs)
}

/// The `in-camK` thread: MAIN into fragmented MP4 files in `folder`.
func record(
  _ url: String, into folder: String, clipSeconds: Double, interrupt: InterruptState
) -> CameraCounts {
  var counts = CameraCounts()
  var writer: ClipWriter?
  func finishFile() {
    guard let file = writer else { return }
    writer = nil
    counts.packetsWritten += file.packetsWritten
    counts.bytesWritten += file.bytesWritten
    do { try file.finish() } catch { complain("\(file.path): \(error)") }
  }
  while let input = connect(url, interrupt) {
    guard let video = input.layout.video else { break }
    var fileStart = 0.0
    do {
      while !interrupt.isStopRequested {
        let media = copy(try input.read())
        let isVideo = media.streamIndex == video.index
        let seconds = video.timeBase.seconds(media.dts)
        if isVideo && media.isKeyframe && (writer == nil || seconds - fileStart >= clipSeconds) {
          finishFile()
          counts.files += 1
          let path = "\(folder)/\(String(format: "%05d", counts.files)).mp4"
          writer = try ClipWriter(
            path: path, layout: input.layout, start: media, startedAtMs: media.receivedAtMs)
          fileStart = seconds
        }
        try writer?.write(media)  // nil until the first keyframe: nothing is playable before it
      }
    } catch {
      if !interrupt.isStopRequested { complain("\(url): \(error); reopening") }
    }
    finishFile()  // a new connection starts a new file at its first keyframe
  }
  return counts
}

/// The `det-camK` thread: SUB decoded in full, scaled to gray at most `fps` times a second.
func analyse(_ url: String, fps: Double, width: Int, interrupt: InterruptState) -> CameraCounts {
  var counts = CameraCounts()
  let interval = 1 / fps
  while let input = connect(url, interrupt) {
    guard let video = input.layout.video,
      let decoder = try? VideoDecoder(parameters: video.parameters, analysisWidth: width)
    else {
      complain("\(url): no decodable video")
      break
    }
    decoder.setSkipsDeblocking(true)
    var decoding = false
    // A fixed schedule of analysis times, as vms's motion gate keeps (a new one after a gap).
    var nextDue: Double?
    do {
      while !interrupt.isStopRequested {
        let packet = try input.read()
        guard packet.pointee.stream_index == video.index else { continue }
        if !decoding {
          guard packet.pointee.flags & AV_PKT_FLAG_KEY != 0 else { continue }
          decoding = true
        }
        decoder.decode(packet) { frame in
          counts.framesDecoded += 1
          let now = Double(InterruptState.now()) / 1e9
          guard nextDue.map({ now >= $0 - 0.001 || now < $0 - 2 * interval }) ?? true else {
            return
          }
          if let due = nextDue, now < due + interval, now >= due - interval {
            nextDue = due + interval
          } else {
            nextDue = now + interval
          }
          if decoder.grayFrame(of: frame) != nil { counts.framesScaled += 1 }
        }
      }
    } catch {
      if !interrupt.isStopRequested { complain("\(url): \(error); reopening") }
    }
  }
  return counts
}

/// The counts of every camera, added to by the threads as they end.
final class Tally: Sendable {
  private let counts = Mutex<[Int: CameraCounts]>([:])

  func add(_ more: CameraCounts, camera: Int) {
    counts.withLock { all in
      var sum = all[camera] ?? CameraCounts()
      sum.files += more.files
      sum.packetsWritten += more.packetsWritten
      sum.bytesWritten += more.bytesWritten
      sum.framesDecoded += more.framesDecoded
      sum.framesScaled += more.framesScaled
      all[camera] = sum
    }
  }

  var byCamera: [(Int, CameraCounts)] { counts.withLock { $0.sorted { $0.key < $1.key } } }
}

func run(_ options: Options) -> Int32 {
  FFmpegLog.showErrorsOnly()
  // SIGINT and SIGTERM are blocked here, before any thread exists (threads inherit the mask), and
  // taken by `sigwait` below: waiting for a stop costs nothing while the cameras run.
  var stopSignals = sigset_t()
  sigemptyset(&stopSignals)
  sigaddset(&stopSignals, SIGINT)
  sigaddset(&stopSignals, SIGTERM)
  pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

  let started = InterruptState.now()
  let tally = Tally()
  let finished = DispatchGroup()
  var interrupts: [InterruptState] = []
  for (k, camera) in zip(1..., options.cameras) {
    let folder = "\(options.out)/cam\(k)"
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      complain("cannot create \(folder): \(error)")
      return 1
    }
    let (fps, width, clipSeconds) = (options.fps, options.width, options.clipSeconds)
    for role in ["in", "det"] {
      let interrupt = InterruptState()
      interrupts.append(interrupt)
      finished.enter()
      let thread = Thread {
        nameThread("\(role)-cam\(k)")
        let counts =
          role == "in"
          ? record(camera.main, into: folder, clipSeconds: clipSeconds, interrupt: interrupt)
          : analyse(camera.sub, fps: fps, width: width, interrupt: interrupt)
        tally.add(counts, camera: k)
        finished.leave()
      }
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  var received: Int32 = 0
  sigwait(&stopSignals, &received)
  for interrupt in interrupts { interrupt.requestStop() }
  finished.wait()
  let seconds = String(format: "%.3f", Double(InterruptState.now() - started) / 1e9)
  for (k, counts) in tally.byCamera {
    print(
      "{\"camera\": \(k), \"seconds\": \(seconds), \"files\": \(counts.files),"
        + " \"packets_written\": \(counts.packetsWritten),"
        + " \"bytes_written\": \(counts.bytesWritten),"
        + " \"frames_decoded\": \(counts.framesDecoded),"
        + " \"frames_scaled\": \(counts.framesScaled)}")
  }
  return 0
}

guard let options = Options.parse(Array(CommandLine.arguments.dropFirst())) else {
  complain(
    "usage: vms-limit --out DIR [--fps 5] [--width 320] [--clip-seconds 10] MAIN SUB [MAIN SUB...]")
  exit(2)
}
exit(run(options))
