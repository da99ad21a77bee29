/// Finds the known key a mistyped one most likely meant, for "did you mean" hints.
enum KeySuggestion {
    /// The closest of `candidates` to `key`, or nil if none is close enough to be a typo.
    ///
    /// Compares case-insensitively with `_`, `-` and `.` removed (so `client_id` and `client.id`
    /// find `clientId`), then accepts an edit distance of up to a third of the candidate's
    /// length (at least 1, at most 3), or a candidate that the key starts or ends with
    /// (Kafka's spellings: `bootstrap.servers` finds `bootstrap`, `fetch.max.bytes` finds `maxBytes`).
    static func closest(to key: String, among candidates: [String]) -> String? {
        let typed = normalized(key)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let known = normalized(candidate)
            let distance = editDistance(Array(typed), Array(known))
            let limit = min(3, max(1, known.count / 3))
            let prefixed = known.count >= 4 && (typed.hasPrefix(known) || typed.hasSuffix(known))
            guard distance <= limit || prefixed else { continue }
            let score = prefixed && distance > limit ? limit + 1 : distance
            if best == nil || score < best!.distance { best = (candidate, score) }
        }
        return best?.candidate
    }

    private static func normalized(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" && $0 != "." })
    }

    /// Levenshtein distance (insert, delete, substitute each cost 1).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
