// Streams a byte range of a file into a response in chunks, opening and reading on the file threads
// (HTTP/FileThreads.swift), never on the cooperative pool, so a 500 MB clip never sits in memory, a
// slow client only holds one chunk, and a slow disk holds no thread a request or a camera needs.
//
// The file is opened (and its size taken) before the response starts, through one descriptor: the
// bytes sent are those of the file that was checked, even if the clip is archived or deleted
// meanwhile (its data stays readable through the open descriptor until we close it).
import Foundation
import Hummingbird
import Storage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

final class OpenFile: Sendable {
  let descriptor: Int32
  /// Size when opened; a clip still being recorded is served as this size.
  let size: Int64
  /// Where its reads run.
  let threads: any BlockingIO

  /// The file at `path`, opened on `threads`; nil when it does not exist or cannot be read.
  static func opening(path: String, on threads: any BlockingIO) async throws -> OpenFile? {
    try await threads.run { OpenFile(path: path, threads: threads) }
  }

  /// Nil when the file does not exist or cannot be read. Blocking: call it on `threads`.
  private init?(path: String, threads: any BlockingIO) {
    self.threads = threads
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    var info = stat()
    guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      close(descriptor)
      return nil
    }
    self.descriptor = descriptor
    self.size = Int64(info.st_size)
  }

  deinit { close(descriptor) }

  /// Up to `count` bytes at `offset`; fewer only at the end of the file. Blocking: see `read`.
  func readNow(offset: Int64, count: Int) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let result = buffer.withUnsafeMutableBytes { raw in
        pread(descriptor, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
      }
      if result < 0 {
        if errno == EINTR { continue }
        throw APIError(
          .internalServerError, "cannot read the clip file (\(String(cString: strerror(errno))))")
      }
      if result == 0 { break }
      filled += result
    }
    buffer.removeLast(count - filled)
    return buffer
  }

  /// Up to `count` bytes at `offset`, read on the file threads.
  func read(offset: Int64, count: Int) async throws -> [UInt8] {
    try await threads.run { try self.readNow(offset: offset, count: count) }
  }

  /// The bytes of `range` as a response body, read in `chunkSize` pieces as the client takes them.
  func body(range: ClosedRange<Int64>, chunkSize: Int = 256 * 1024) -> ResponseBody {
    let length = Int(range.upperBound - range.lowerBound + 1)
    return ResponseBody(contentLength: length) { writer in
      var offset = range.lowerBound
      while offset <= range.upperBound {
        let count = Int(min(Int64(chunkSize), range.upperBound - offset + 1))
        let at = offset
        let bytes = try await self.read(offset: at, count: count)
        guard !bytes.isEmpty else {
          // The file shrank (cannot happen to a clip; guard against a hung response).
          throw APIError(.internalServerError, "the clip file ended early")
        }
        try await writer.write(ByteBuffer(bytes: bytes))
        offset += Int64(bytes.count)
      }
      try await writer.finish(nil)
    }
  }

  /// The whole response for a GET with an optional `Range` header.
  func response(rangeHeader: String?, contentType: String, headers extra: HTTPFields = [:])
    -> Response
  {
    var headers: HTTPFields = [.contentType: contentType, .acceptRanges: "bytes"]
    headers.append(contentsOf: extra)
    switch ByteRange.parse(rangeHeader, size: size) {
    case .unsatisfiable:
      headers[.contentRange] = "bytes */\(size)"
      var response = JSONBody.response(
        ["error": "the requested range is outside the file (\(size) bytes)"],
        status: .rangeNotSatisfiable)
      response.headers.append(contentsOf: headers.filter { $0.name != .contentType })
      return response
    case .partial(let range):
      headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
      return Response(status: .partialContent, headers: headers, body: body(range: range))
    case .whole:
      guard size > 0 else {
        headers[.contentLength] = "0"
        return Response(status: .ok, headers: headers, body: .init())
      }
      return Response(status: .ok, headers: headers, body: body(range: 0...(size - 1)))
    }
  }
}

/// A thumbnail (a small JPEG under the data directory) as a whole response, read on `threads`;
/// `missing` when there is none, it is empty, or it is too large to be one (16 MiB).
func jpegResponse(
  path: String?, on threads: any BlockingIO, cacheControl: String, missing: APIError
) async throws -> Response {
  guard let path, let file = try await OpenFile.opening(path: path, on: threads),
    file.size > 0, file.size < 16 * 1024 * 1024
  else { throw missing }
  let bytes = try await file.read(offset: 0, count: Int(file.size))
  return Response(
    status: .ok,
    headers: [
      .contentType: "image/jpeg", .contentLength: String(bytes.count), .cacheControl: cacheControl,
    ],
    body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}
