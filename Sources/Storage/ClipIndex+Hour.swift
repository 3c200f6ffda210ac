// One local hour of a camera's recordings, for the "delete this hour" button (the deletion itself is
// `deleteHour`, in ClipIndex+Delete.swift).
import Foundation

extension ClipIndex {
  /// Clips of `cameraId` that start in local hour `hour` (0...23) of local day `day`, unarchived
  /// ones only when `archived` is false. Filtering by the local time of each clip (rather than by an
  /// instant range) keeps DST days right: 02:00 happens twice on a fall-back day and both count.
  public func clips(cameraId: String, day: String, hour: Int, archived: Bool? = nil) throws
    -> [ClipRecord]
  {
    inHour(hour, try clips(cameraId: cameraId, day: day, archived: archived))
  }

  /// The clips among `clips` that start in local hour `hour`.
  func inHour(_ hour: Int, _ clips: [ClipRecord]) -> [ClipRecord] {
    precondition((0...23).contains(hour), "hour out of range")
    let prefix = (hour < 10 ? "0" : "") + String(hour) + "-"
    return clips.filter { layout.localTime(ofMs: $0.startMs).timeOfDay.hasPrefix(prefix) }
  }
}
