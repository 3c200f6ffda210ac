// GET /api/v1/events: the WebSocket that pushes camera status to the browser. The upgrade request
// went through AuthMiddleware like any API call (cookie or Basic, same-origin check), so only a
// signed-in user gets here.
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Storage
import VMSRuntime

enum EventRoutes {
  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let hub = environment.services.hub
    router.ws(
      "/api/v1/events",
      shouldUpgrade: { _, context in
        _ = try context.requireUser()
        return .upgrade([:])
      },
      onUpgrade: { inbound, outbound, _ in
        let events = await hub.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { group in
          // The client's side: its messages are ignored; the stream ending means it went away.
          group.addTask {
            for try await _ in inbound {}
          }
          group.addTask {
            for await event in events {
              try await outbound.write(.text(message(for: event)))
            }
          }
          _ = try await group.next()
          group.cancelAll()
        }
      })
  }

  /// The JSON text of one event, as docs/api.md describes.
  static func message(for event: StatusEvent) -> String {
    let data: Data?
    switch event {
    case .snapshot(let cameras):
      data = JSONBody.encode(SnapshotMessage(cameras: cameras.map(EventCameraJSON.init)))
    case .changed(let camera):
      data = JSONBody.encode(CameraMessage(camera: EventCameraJSON(status: camera)))
    case .removed(let cameraId):
      data = JSONBody.encode(RemovedMessage(cameraId: cameraId))
    case .configuration(let report):
      data = JSONBody.encode(
        ConfigMessage(
          status: report.applied ? "applied" : "rejected", problems: report.problems,
          restartNeeded: report.restartNeeded))
    case .motionEvent(let event):
      data = JSONBody.encode(MotionEventMessage(event: MotionEventJSON(event)))
    case .export(let record):
      data = JSONBody.encode(ExportMessage(export: ExportJSON(record)))
    case .exportRemoved(let id):
      data = JSONBody.encode(ExportRemovedMessage(id: id))
    }
    return data.map { String(decoding: $0, as: UTF8.self) } ?? #"{"type":"error"}"#
  }

  struct SnapshotMessage: Encodable {
    var type = "snapshot"
    var cameras: [EventCameraJSON]
  }

  struct CameraMessage: Encodable {
    var type = "camera"
    var camera: EventCameraJSON
  }

  /// `restart_needed` is beyond docs/api.md: settings (listen, data_dir) a reload cannot apply.
  struct ConfigMessage: Encodable {
    var type = "config"
    var status: String
    var problems: [String]
    var restartNeeded: [String]

    enum CodingKeys: String, CodingKey {
      case type, status, problems
      case restartNeeded = "restart_needed"
    }
  }

  /// A motion event opened, its peak rose or it closed (MotionEventRoutes.swift lists them).
  struct MotionEventMessage: Encodable {
    var type = "event"
    var event: MotionEventJSON
  }

  /// An export was queued, progressed or ended: the same object as GET /api/v1/exports/{id}.
  struct ExportMessage: Encodable {
    var type = "export"
    var export: ExportJSON
  }

  struct ExportRemovedMessage: Encodable {
    var type = "export_removed"
    var id: Int64
  }

  struct RemovedMessage: Encodable {
    var type = "removed"
    var cameraId: String

    enum CodingKeys: String, CodingKey {
      case type
      case cameraId = "camera_id"
    }
  }
}
