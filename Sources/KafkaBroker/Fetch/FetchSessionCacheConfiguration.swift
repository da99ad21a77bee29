/// Limits of the fetch session cache, named after Kafka's broker settings.
public struct FetchSessionCacheConfiguration: Hashable, Sendable {
    /// `max.incremental.fetch.session.cache.slots`: the most sessions kept. Default 1000.
    /// 0 disables sessions: every full request is answered without one.
    public var maxSessions: Int
    /// `min.incremental.fetch.session.eviction.ms`: how long a session must be idle before
    /// any new session may displace it, and how young a session is protected from being
    /// displaced by a larger one. Default 120 s.
    public var evictionInterval: Duration

    public init(maxSessions: Int = 1000, evictionInterval: Duration = .milliseconds(120_000)) {
        self.maxSessions = maxSessions
        self.evictionInterval = evictionInterval
    }

    /// Checks the values once.
    public func validate() throws(FetchSessionCacheConfigurationError) {
        guard maxSessions >= 0 else {
            throw FetchSessionCacheConfigurationError(
                key: "max.incremental.fetch.session.cache.slots", value: "\(maxSessions)",
                expected: "an integer >= 0")
        }
        guard evictionInterval >= .zero else {
            throw FetchSessionCacheConfigurationError(
                key: "min.incremental.fetch.session.eviction.ms", value: "\(evictionInterval)",
                expected: "a duration >= 0")
        }
    }
}

/// A fetch session setting with a value it cannot take.
public struct FetchSessionCacheConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var expected: String

    public var description: String { "\(key) = \(value) is invalid: expected \(expected)" }
}
