// The release-feed check (`updates.feed_url`, off by default): fetched at start and daily with a
// short timeout, in the background. Requests only read the last result, so an unreachable feed
// never slows a page; it is logged once until it answers again.
//
// The feed is the original program's `version.json`: {"version":"0.2.0","notes":"...",
// "download_url":"https://..."}.
import Foundation
import Logging

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

public actor UpdateChecker {
  public struct Status: Sendable, Encodable {
    var current: String
    var latest: String?
    var notes: String?
    var downloadURL: String?
    var available: Bool

    enum CodingKeys: String, CodingKey {
      case current, latest, notes
      case downloadURL = "download_url"
      case available
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(current, forKey: .current)
      try container.encode(latest, forKey: .latest)
      try container.encode(notes ?? "", forKey: .notes)
      try container.encode(downloadURL, forKey: .downloadURL)
      try container.encode(available, forKey: .available)
    }
  }

  struct Feed: Decodable {
    var version: String
    var notes: String?
    var downloadURL: String?

    enum CodingKeys: String, CodingKey {
      case version, notes
      case downloadURL = "download_url"
    }
  }

  public static let interval: Duration = .seconds(24 * 3600)
  static let feedPoll: Duration = .seconds(2)
  static let timeout: TimeInterval = 10

  let currentVersion: String
  private let feedURL: @Sendable () async -> String?
  private let log: Logger
  private var latest: Feed?
  private var reportedUnreachable = false
  private var started = false

  public init(currentVersion: String, feedURL: @escaping @Sendable () async -> String?, log: Logger)
  {
    self.currentVersion = currentVersion
    self.feedURL = feedURL
    self.log = log
  }

  public var status: Status {
    let newer: Bool
    if let latest, let theirs = VersionNumber(latest.version),
      let ours = VersionNumber(currentVersion)
    {
      newer = theirs > ours
    } else {
      newer = false
    }
    return Status(
      current: currentVersion, latest: latest?.version, notes: latest?.notes,
      downloadURL: newer ? latest?.downloadURL : nil, available: newer)
  }

  /// Starts the daily loop once (later calls do nothing); runs until the task is cancelled. A
  /// feed_url changed or removed by a reload is checked within `feedPoll`, not the next day.
  public func startOnce() {
    guard !started else { return }
    started = true
    Task { [weak self] in
      while !Task.isCancelled {
        let checked = await self?.feedURL()
        await self?.checkNow()
        var waited: Duration = .zero
        while waited < Self.interval && !Task.isCancelled {
          try? await Task.sleep(for: Self.feedPoll)
          waited += Self.feedPoll
          guard let current = await self?.feedURL else { return }
          if await current() != checked { break }
        }
      }
    }
  }

  /// One check; a feed that is unreachable or malformed leaves the last good answer, and a feed
  /// turned off forgets it (no update banner from a feed the user removed).
  public func checkNow() async {
    guard let text = await feedURL() else {
      latest = nil
      return
    }
    guard let url = URL(string: text),
      ["http", "https"].contains(url.scheme?.lowercased() ?? "")
    else { return }
    do {
      let feed = try await Self.fetch(url)
      guard VersionNumber(feed.version) != nil else {
        throw APIError(
          .badGateway, "its version \"\(feed.version.prefix(40))\" is not a dotted number")
      }
      latest = feed
      reportedUnreachable = false
      if status.available {
        log.notice("vms \(feed.version) is available (this is \(currentVersion))")
      }
    } catch {
      if !reportedUnreachable {
        reportedUnreachable = true
        log.warning("update feed \(text) unusable (\(error)); will try again daily")
      }
    }
  }

  static func fetch(_ url: URL) async throws -> Feed {
    var request = URLRequest(
      url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
    request.setValue("application/json", forHTTPHeaderField: "Accept")
    let data: Data = try await withCheckedThrowingContinuation { continuation in
      let task = URLSession.shared.dataTask(with: request) { data, response, error in
        if let error {
          continuation.resume(throwing: error)
        } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
          continuation.resume(throwing: APIError(.badGateway, "HTTP \(http.statusCode)"))
        } else if let data, data.count <= 64 * 1024 {
          continuation.resume(returning: data)
        } else {
          continuation.resume(throwing: APIError(.badGateway, "empty or oversized answer"))
        }
      }
      task.resume()
    }
    return try JSONDecoder().decode(Feed.self, from: data)
  }
}
