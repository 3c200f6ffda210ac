// The browser UI: every file of the bundled `ui/` folder, read once at start-up into memory and
// served at the site root with the folder's layout (`/` is index.html, `/live.html`, `/js/app.mjs`).
//
// Serving from a table built by walking the folder means a request path is only ever a dictionary
// key: nothing a client sends is joined into a file path, so `..`, encoded dots or NUL cannot reach
// the file system. The UI is small (tens of kilobytes), so memory is not a concern.
import Foundation
import Hummingbird

struct StaticFiles: Sendable {
  struct File: Sendable {
    var body: ByteBuffer
    var contentType: String
    var etag: String
  }

  let files: [String: File]

  /// The files under `directory`, keyed by their path relative to it with a leading `/`. Hidden
  /// files (starting with `.`) are skipped.
  init(directory: URL?) {
    var files: [String: File] = [:]
    if let directory,
      let enumerator = FileManager.default.enumerator(
        at: directory, includingPropertiesForKeys: [.isRegularFileKey],
        options: [.skipsHiddenFiles])
    {
      let root = directory.standardizedFileURL.path
      for case let url as URL in enumerator {
        guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
          let data = try? Data(contentsOf: url)
        else { continue }
        let path = url.standardizedFileURL.path
        guard path.hasPrefix(root + "/") else { continue }
        let key = String(path.dropFirst(root.count))
        files[key] = File(
          body: ByteBuffer(bytes: data), contentType: Self.contentType(ofPath: key),
          etag: "\"" + String(Digest.sha256Hex(bytes: Array(data)).prefix(16)) + "\"")
      }
    }
    self.files = files
  }

  /// The bundled UI (`Sources/WebUI/Resources/ui`).
  static func bundled() -> StaticFiles {
    StaticFiles(directory: Bundle.module.url(forResource: "ui", withExtension: nil))
  }

  /// The file a request path names, if any: `/` is `/index.html`.
  func file(forRequestPath path: String) -> File? {
    guard Self.isPlausible(path) else { return nil }
    return files[path == "/" ? "/index.html" : path]
  }

  /// Cheap refusal of anything that cannot be one of our file names (defence in depth: the lookup
  /// is a dictionary anyway).
  static func isPlausible(_ path: String) -> Bool {
    guard path.hasPrefix("/"), path.utf8.count <= 256 else { return false }
    return path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().allSatisfy {
      component in
      component.isEmpty && path == "/"
        || (!component.isEmpty && !component.hasPrefix(".")
          && component.utf8.allSatisfy {
            (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 46
              || $0 == 45 || $0 == 95
          })
    }
  }

  /// The `Content-Type` of a UI file, by its extension (Hummingbird's `MediaType` table); text
  /// and JSON say they are UTF-8, as every file of the UI is.
  static func contentType(ofPath path: String) -> String {
    let ext = (path as NSString).pathExtension.lowercased()
    guard let type = MediaType.getMediaType(forExtension: ext) else {
      return MediaType.applicationBinary.description
    }
    let isText = type.type == .text || type.subType == "json" || type.subType.hasSuffix("+json")
    return (isText ? type.withParameter(name: "charset", value: "utf-8") : type).description
  }
}

/// Answers GET and HEAD for UI files before authentication (the pages load, and their scripts go to
/// the sign-in page when the API answers 401). Everything else passes on.
struct StaticFilesMiddleware<Context: RequestContext>: RouterMiddleware {
  let files: StaticFiles

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    guard request.method == .get || request.method == .head,
      !request.uri.path.hasPrefix("/api/"),
      let file = files.file(forRequestPath: request.uri.path)
    else { return try await next(request, context) }
    var headers: HTTPFields = [
      .contentType: file.contentType, .cacheControl: "no-cache", .eTag: file.etag,
    ]
    if request.headers[.ifNoneMatch] == file.etag {
      return Response(status: .notModified, headers: headers)
    }
    headers[.contentLength] = String(file.body.readableBytes)
    return Response(
      status: .ok, headers: headers,
      body: request.method == .head ? .init() : .init(byteBuffer: file.body))
  }
}
