// UpdateSettings: the `updates:` section, where to look for new releases.

public struct UpdateSettings: Sendable, Equatable {
  /// URL of a `version.json` release feed; nil disables the check (the box may be offline).
  public var feedURL: String?

  public init(feedURL: String? = nil) {
    self.feedURL = feedURL
  }
}
