extension FetchSessionCache {
    /// Creates a session if there is room or a session can be displaced, and returns its
    /// id; returns 0 (no session) otherwise, and the fetcher goes on with full requests
    /// (Kafka's `FetchSessionCacheShard.maybeCreateSession`).
    mutating func createSession(
        privileged: Bool, usesTopicIds: Bool, now: ContinuousClock.Instant,
        partitions: [(FetchSessionPartitionKey, CachedFetchPartition)]
    ) -> Int32 {
        guard sessions.count < configuration.maxSessions
            || evictOne(forPrivileged: privileged, size: partitions.count, now: now)
        else { return FetchSessionMetadata.invalidSessionId }
        let id = newSessionId()
        sessions[id] = FetchSession(id: id, isPrivileged: privileged, usesTopicIds: usesTopicIds,
                                    now: now, partitions: partitions)
        return id
    }

    /// Tries to make room for a new session of `size` partitions, as Kafka's
    /// `FetchSessionCacheShard.tryEvict` does:
    ///
    /// 1. The least recently used session goes if it has been idle longer than
    ///    `min.incremental.fetch.session.eviction.ms`.
    /// 2. Otherwise the least valuable evictable session goes if the new one is worth
    ///    more. Value orders by (privileged, partition count, id): a follower's session
    ///    beats a consumer's, a larger session beats a smaller one. A session is evictable
    ///    only if it had lived longer than the eviction interval when last used, so a
    ///    stream of new sessions cannot thrash young ones; a follower's young session is
    ///    open to another follower only when it is not privileged itself.
    ///
    /// Linear scans: the cache holds at most `maxSessions` (1000) entries and this runs
    /// only when it is full.
    mutating func evictOne(forPrivileged privileged: Bool, size: Int, now: ContinuousClock.Instant) -> Bool {
        guard let leastRecent = sessions.values.min(by: { ($0.lastUsedAt, $0.id) < ($1.lastUsedAt, $1.id) }) else {
            return false
        }
        if now - leastRecent.lastUsedAt > configuration.evictionInterval {
            remove(leastRecent.id)
            return true
        }
        let interval = configuration.evictionInterval
        let candidates = sessions.values.filter { session in
            let old = session.lastUsedAt - session.createdAt > interval
            return privileged ? (!session.isPrivileged || old) : old
        }
        guard let leastValuable = candidates.min(by: { Self.value($0) < Self.value($1) }) else { return false }
        // The new session's key carries id 0, so on equal privilege and size it loses.
        guard Self.value(privileged: privileged, size: size, id: 0) >= Self.value(leastValuable) else { return false }
        remove(leastValuable.id)
        return true
    }

    /// Removes the sessions idle longer than the eviction interval and returns their ids.
    ///
    /// Kafka only displaces idle sessions when it needs a slot; calling this periodically
    /// also frees their memory. A fetcher whose session went this way gets
    /// FETCH_SESSION_ID_NOT_FOUND on its next incremental request and starts a new
    /// session, which every client handles.
    @discardableResult
    public mutating func removeIdleSessions(now: ContinuousClock.Instant) -> [Int32] {
        let idle = sessions.values
            .filter { now - $0.lastUsedAt > configuration.evictionInterval }
            .map(\.id)
            .sorted()
        for id in idle { remove(id) }
        return idle
    }

    private mutating func remove(_ id: Int32) {
        if sessions.removeValue(forKey: id) != nil { evictions += 1 }
    }

    /// A random positive id not in use (Kafka's `newSessionId`).
    private mutating func newSessionId() -> Int32 {
        while true {
            let id = Int32.random(in: 1...Int32.max, using: &random)
            if sessions[id] == nil { return id }
        }
    }

    private static func value(_ session: FetchSession) -> (Int, Int, Int32) {
        value(privileged: session.isPrivileged, size: session.count, id: session.id)
    }

    private static func value(privileged: Bool, size: Int, id: Int32) -> (Int, Int, Int32) {
        (privileged ? 1 : 0, size, id)
    }
}
