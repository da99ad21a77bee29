/// The duration notation of configuration files: `250ms`, `5s`, `2m`, `1h`, compounds such as
/// `1m30s`, or a bare integer meaning milliseconds (Kafka's `*.ms` habit).
///
/// Only whole milliseconds: nothing Causeway schedules needs finer, and Kafka's wire fields
/// are milliseconds.
public enum DurationSyntax {
    /// What error messages say is accepted.
    static let expected = "a duration such as 250ms, 5s, 2m, 1h or 1m30s, or integer milliseconds"

    /// Parses `text`, or returns nil if it is not in the notation (negative, empty, unknown unit, overflow).
    public static func parse(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: " ")
        if let milliseconds = Int64(text) {
            return milliseconds >= 0 ? .milliseconds(milliseconds) : nil
        }
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let amount = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix(while: { $0.isASCII && $0.isLetter })
            rest = rest.dropFirst(unit.count)
            let scale: Int64
            switch unit {
            case "ms": scale = 1
            case "s": scale = 1_000
            case "m": scale = 60_000
            case "h": scale = 3_600_000
            default: return nil
            }
            let (product, overflow) = amount.multipliedReportingOverflow(by: scale)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return .milliseconds(total)
    }

    /// Writes a duration back in the notation, largest units first (`90s` becomes `1m30s`).
    static func format(_ duration: Duration) -> String {
        let total = milliseconds(duration)
        if total == 0 { return "0s" }
        var rest = total
        var text = ""
        for (unit, scale) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000), ("ms", 1)] where rest >= scale {
            text += "\(rest / scale)\(unit)"
            rest %= scale
        }
        return text
    }

    /// Whole milliseconds in `duration`, rounded down.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}

extension String {
    /// Drops leading and trailing occurrences of `character` (Foundation-free trim).
    func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
