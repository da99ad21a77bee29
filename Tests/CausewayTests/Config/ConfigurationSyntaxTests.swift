import Testing

@testable import Causeway

@Suite("Value notations")
struct ConfigurationSyntaxTests {
    @Test(
        "durations",
        arguments: [
            ("250ms", Int64(250)), ("5s", 5_000), ("2m", 120_000), ("1h", 3_600_000), ("1h2m3s4ms", 3_723_004),
            ("0", 0), ("1500", 1_500), (" 5s ", 5_000),
        ])
    func durations(text: String, milliseconds: Int64) {
        #expect(DurationSyntax.parse(text) == .milliseconds(milliseconds))
    }

    @Test(
        "not durations",
        arguments: ["5 parsecs", "", "s", "5", "-1s", "-5", "1.5s", "5S", "5sec", "99999999999999999h"])
    func notDurations(text: String) {
        if text == "5" { return #expect(DurationSyntax.parse(text) == .milliseconds(5)) }  // bare integers are milliseconds
        #expect(DurationSyntax.parse(text) == nil)
    }

    @Test("durations format back")
    func durationFormat() {
        #expect(DurationSyntax.format(.seconds(90)) == "1m30s")
        #expect(DurationSyntax.format(.milliseconds(500)) == "500ms")
        #expect(DurationSyntax.format(.zero) == "0s")
        #expect(DurationSyntax.format(.seconds(3600)) == "1h")
    }

    @Test("sizes")
    func sizes() {
        #expect(ByteSizeSyntax.parse("52428800") == 52_428_800)
        #expect(ByteSizeSyntax.parse("50MiB") == 52_428_800)
        #expect(ByteSizeSyntax.parse("1 KiB") == 1024)
        #expect(ByteSizeSyntax.parse("2GiB") == 2 << 30)
        #expect(ByteSizeSyntax.parse("50MB") == nil)
        #expect(ByteSizeSyntax.parse("-1") == nil)
        #expect(ByteSizeSyntax.parse("1.5MiB") == nil)
        #expect(ByteSizeSyntax.format(52_428_800) == "50MiB")
        #expect(ByteSizeSyntax.format(1000) == "1000")
    }

    @Test(
        "RFC 3339 times",
        arguments: [
            ("1970-01-01T00:00:00Z", Int64(0)),
            ("2026-01-01T00:00:00Z", 1_767_225_600_000),
            ("2024-02-29T12:00:00.250+02:00", 1_709_200_800_250),
            ("2024-02-29t10:00:00.2501z", 1_709_200_800_250),
            ("1969-12-31 23:00:00Z", -3_600_000),
            ("2000-03-01T00:00:00.5-05:30", 951_888_600_500),
        ])
    func rfc3339(text: String, milliseconds: Int64) {
        #expect(RFC3339.milliseconds(from: text) == milliseconds)
    }

    @Test(
        "not RFC 3339 times",
        arguments: [
            "2024-05-01T00:00:00", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01", "2024-05-01T24:00:00Z",
            "2024-05-01T00:00:00+2:00", "2024-05-01T00:00:00.Z", "2024-05-01T00:00:00Zjunk", "yesterday",
        ])
    func notRFC3339(text: String) {
        #expect(RFC3339.milliseconds(from: text) == nil)
    }

    @Test("key suggestions")
    func suggestions() {
        let top = LinkConfiguration.keys
        #expect(KeySuggestion.closest(to: "destination", among: top) == "destinations")
        #expect(KeySuggestion.closest(to: "Topics", among: top) == "topics")
        #expect(KeySuggestion.closest(to: "start_position", among: top) == "startPosition")
        #expect(KeySuggestion.closest(to: "frobnicate", among: top) == nil)
        let cluster = ClusterConfiguration.keys
        #expect(KeySuggestion.closest(to: "client.id", among: cluster) == "clientId")
        #expect(KeySuggestion.closest(to: "bootstrap.servers", among: cluster) == "bootstrap")
        #expect(KeySuggestion.closest(to: "request.timeout.ms", among: cluster) == "requestTimeout")
    }
}
