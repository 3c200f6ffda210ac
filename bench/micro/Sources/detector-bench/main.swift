// Per-frame cost of each built-in detector on 320x180 gray frames: a still, noisy background with a
// box crossing it (the same kind of scene as the benchmark's streams). Prints one JSON object.
import Detectors
import Foundation

let width = 320, height = 180
let frames = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 2000

/// A deterministic scene: vertical bars, +-3 of noise, and a 60x30 white box moving 2 px a frame.
func makeFrames(_ count: Int) -> [GrayFrame] {
  var rng = SystemRandomNumberGenerator()
  var out: [GrayFrame] = []
  out.reserveCapacity(min(count, 250))
  for i in 0..<min(count, 250) {
    var pixels = [UInt8](repeating: 0, count: width * height)
    for y in 0..<height {
      for x in 0..<width {
        let base = 40 + (x / 40) * 25
        pixels[y * width + x] = UInt8(clamping: base + Int.random(in: -3...3, using: &rng))
      }
    }
    let bx = (i * 2) % (width + 60) - 60
    for y in 75..<105 {
      for x in max(0, bx)..<min(width, bx + 60) { pixels[y * width + x] = 255 }
    }
    out.append(GrayFrame(width: width, height: height, pixels: pixels))
  }
  return out
}

let scene = makeFrames(frames)
var results: [String: Double] = [:]
for type in DetectorRegistry.builtIn.names where type != "none" {
  let settings = DetectorSettings(type: type, fps: 5, minAreaPercent: 0.5, warmupSeconds: 0, options: [:])
  let detector = try DetectorRegistry.builtIn.make(settings)
  for frame in scene.prefix(50) { _ = detector.analyse(frame) }  // warm caches and the model
  var sink = 0.0
  let start = DispatchTime.now().uptimeNanoseconds
  for i in 0..<frames { sink += detector.analyse(scene[i % scene.count]).changedPercent }
  let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  results["\(type)_ms_per_frame"] = elapsed / Double(frames) * 1000
  if sink.isNaN { print("") }
}
let json = results.keys.sorted().map { "\"\($0)\": \(String(format: "%.4f", results[$0]!))" }
print("{" + json.joined(separator: ", ") + "}")
