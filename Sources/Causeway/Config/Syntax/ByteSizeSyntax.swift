/// The size notation of configuration files: an integer number of bytes, or a whole number
/// with a binary unit: `512KiB`, `50MiB`, `1GiB` (a space before the unit is allowed).
///
/// Only binary units: `MB` means 10^6 to some people and 2^20 to others, and Kafka's own
/// defaults (52428800, 1048576) are binary.
enum ByteSizeSyntax {
    static let expected = "a size in bytes: an integer, or a whole number with KiB, MiB or GiB such as 50MiB"

    static func parse(_ text: String) -> Int? {
        let text = text.trimmingCharacters(in: " ")
        if let bytes = Int(text) { return bytes >= 0 ? bytes : nil }
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, let amount = Int(digits) else { return nil }
        let unit = text.dropFirst(digits.count).trimmingPrefix(" ")
        let scale: Int
        switch unit {
        case "B": scale = 1
        case "KiB": scale = 1 << 10
        case "MiB": scale = 1 << 20
        case "GiB": scale = 1 << 30
        default: return nil
        }
        let (bytes, overflow) = amount.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }

    /// `52428800` becomes `50MiB`; sizes that are not whole units stay in bytes.
    static func format(_ bytes: Int) -> String {
        for (unit, scale) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= scale && bytes % scale == 0 {
            return "\(bytes / scale)\(unit)"
        }
        return "\(bytes)"
    }
}
