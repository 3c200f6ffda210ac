// Synthetic video (TestSupport) as the steps of a scripted camera: each frame after one frame
// interval of camera time.
import TestSupport

extension SyntheticVideo {
  func steps(seconds: Double, moving: Bool) -> [ScriptStep] {
    packets(seconds: seconds, moving: moving).flatMap { packet -> [ScriptStep] in
      [
        .wait(.nanoseconds(1_000_000_000 / Int64(fps))),
        .packet(
          ScriptedPacket(
            stream: packet.streamIndex, data: packet.data, pts: packet.pts, dts: packet.dts,
            duration: packet.duration, isKeyframe: packet.isKeyframe)),
      ]
    }
  }
}
