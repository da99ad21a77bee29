import Causeway
import Foundation
import Testing

@Suite("Link configuration errors name the key, the value and what is accepted")
struct LinkConfigurationErrorTests {
    @Test("missing source")
    func missingSource() throws {
        let error = try #require(
            problem("name: orders\ndestinations: [{name: d, bootstrap: 'b:1'}]\ntopics: {include: [{name: t}]}"))
        #expect(error.code == .missingKey)
        #expect(error.keyPath == "source")
        #expect(error.value == nil)
        #expect(error.message.contains("missing key 'source'"))
        #expect(error.line == 1)
    }

    @Test("no destinations: an empty list, or none at all")
    func noDestinations() throws {
        let empty = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "destinations:\n  - name: cloud\n    bootstrap: dst-1:9092", with: "destinations: []")))
        #expect(empty.keyPath == "destinations")
        #expect(empty.code == .invalidValue)
        #expect(empty.message.contains("at least one destination"))
        #expect(empty.line == 4)

        let missing = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "destinations:\n  - name: cloud\n    bootstrap: dst-1:9092\n", with: "")))
        #expect(missing.keyPath == "destinations")
        #expect(missing.code == .missingKey)
    }

    @Test("bad bootstrap: no port, port out of range, a bad list entry")
    func badBootstrap() throws {
        let yaml =
            minimalLink + "\n" + """
                destinations:
                  - name: one
                    bootstrap: ok:9092
                  - name: two
                    bootstrap: kafka
                """
        let twoDestinations = yaml.replacingOccurrences(
            of: "destinations:\n  - name: cloud\n    bootstrap: dst-1:9092\n", with: "")
        let error = try #require(problem(twoDestinations))
        #expect(error.keyPath == "destinations[1].bootstrap")
        #expect(error.value == "kafka")
        #expect(error.expected.contains("host:port"))
        #expect(error.message.contains("'kafka'"))

        let port = try #require(problem(minimalLink.replacingOccurrences(of: "src-1:9092", with: "src-1:99999")))
        #expect(port.keyPath == "source.bootstrap")
        #expect(port.value == "src-1:99999")

        let entry = try #require(problem(minimalLink.replacingOccurrences(of: "src-1:9092", with: "[a:1, b, c:3]")))
        #expect(entry.keyPath == "source.bootstrap[1]")
        #expect(entry.value == "b")
    }

    @Test("bad duration")
    func badDuration() throws {
        let error = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "  bootstrap: src-1:9092", with: "  bootstrap: src-1:9092\n  requestTimeout: 5 parsecs")))
        #expect(error.keyPath == "source.requestTimeout")
        #expect(error.value == "5 parsecs")
        #expect(error.expected.contains("5s"))
        #expect(error.message.contains("'5 parsecs' is not a duration"))
        #expect(error.line == 4)
        #expect(error.column == 19)
    }

    @Test("durations out of range")
    func durationRanges() throws {
        let interval = try #require(problem(minimalLink + "\n  discoveryInterval: 10ms"))
        #expect(interval.keyPath == "topics.discoveryInterval")
        #expect(interval.value == "10ms")
        #expect(interval.expected.contains("100ms"))
        #expect(interval.line == 10)

        let timeout = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "  bootstrap: src-1:9092", with: "  bootstrap: src-1:9092\n  requestTimeout: 30")))
        #expect(timeout.keyPath == "source.requestTimeout")
        #expect(timeout.value == "30ms")
    }

    @Test("unknown key with a suggestion, at the top level and nested")
    func unknownKeys() throws {
        // Reported once: not also as 'destinations' missing.
        let unknown = try #require(problem(minimalLink.replacingOccurrences(of: "destinations:", with: "destination:")))
        #expect(unknown.code == .unknownKey)
        #expect(unknown.keyPath == "destination")
        #expect(unknown.value == "destination")
        #expect(unknown.message == "unknown key 'destination' at the top level; did you mean 'destinations'?")
        #expect(unknown.line == 4)

        let nested = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "    bootstrap: dst-1:9092", with: "    bootstrap: dst-1:9092\n    client_id: x")))
        #expect(nested.keyPath == "destinations[0].client_id")
        #expect(nested.message == "unknown key 'client_id' in destinations[0]; did you mean 'clientId'?")
        #expect(nested.expected == "one of name, bootstrap, clientId, requestTimeout, security")

        let kafkaSpelling = try #require(problem(minimalLink + "\nfetch:\n  fetch.max.bytes: 1"))
        #expect(kafkaSpelling.keyPath == "fetch.fetch.max.bytes")
        #expect(kafkaSpelling.message.hasSuffix("did you mean 'maxBytes'?"))

        let noSuggestion = try #require(problem(minimalLink + "\nfrobnicate: yes"))
        #expect(noSuggestion.message.contains("expected one of name, source, destinations"))
    }

    @Test("bad regex names the pattern and the compiler's message")
    func badRegex() throws {
        let error = try #require(problem(minimalLink + "\n    - regex: 'orders-[0-9'"))
        #expect(error.keyPath == "topics.include[1].regex")
        #expect(error.value == "orders-[0-9")
        #expect(error.message.hasPrefix("regex 'orders-[0-9' does not compile: "))
        #expect(error.message.count > "regex 'orders-[0-9' does not compile: ".count)
        #expect(error.line == 10)
    }

    @Test("a bad rule is reported alone, not also as 'no include rule'")
    func onlyRuleBad() throws {
        let error = try #require(problem(minimalLink.replacingOccurrences(of: "- name: orders", with: "- regex: '('")))
        #expect(error.keyPath == "topics.include[0].regex")
    }

    @Test("malformed rules")
    func malformedRules() throws {
        let two = try #require(
            problem(minimalLink.replacingOccurrences(of: "- name: orders", with: "- {name: orders, prefix: orders.}")))
        #expect(two.keyPath == "topics.include[0]")
        #expect(two.message.contains("exactly one of name, prefix or regex"))

        let plain = try #require(problem(minimalLink.replacingOccurrences(of: "- name: orders", with: "- orders")))
        #expect(plain.keyPath == "topics.include[0]")
        #expect(plain.code == .wrongType)
        #expect(plain.value == "orders")

        let typo = try #require(
            problem(minimalLink.replacingOccurrences(of: "- name: orders", with: "- prefx: orders.")))
        #expect(typo.keyPath == "topics.include[0].prefx")
        #expect(typo.message.contains("did you mean 'prefix'?"))

        let illegal = try #require(
            problem(minimalLink.replacingOccurrences(of: "- name: orders", with: "- name: orders/eu")))
        #expect(illegal.keyPath == "topics.include[0].name")
        #expect(illegal.value == "orders/eu")
    }

    @Test("no include rule")
    func noIncludeRule() throws {
        let error = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "topics:\n  include:\n    - name: orders", with: "topics:\n  exclude: [{name: x}]")))
        #expect(error.keyPath == "topics.include")
        #expect(error.message.contains("at least one topic include rule is needed"))

        let missing = try #require(
            problem(minimalLink.replacingOccurrences(of: "topics:\n  include:\n    - name: orders", with: "")))
        #expect(missing.keyPath == "topics.include")
    }

    @Test("bad start position")
    func badStartPosition() throws {
        let word = try #require(problem(minimalLink + "\nstartPosition: beginning"))
        #expect(word.keyPath == "startPosition")
        #expect(word.value == "beginning")
        #expect(word.expected.contains("earliest, latest"))

        let time = try #require(problem(minimalLink + "\nstartPosition: {timestamp: yesterday}"))
        #expect(time.keyPath == "startPosition.timestamp")
        #expect(time.value == "yesterday")

        // A time without a zone is ambiguous.
        let noZone = try #require(problem(minimalLink + "\nstartPosition: {timestamp: '2024-05-01T00:00:00'}"))
        #expect(noZone.keyPath == "startPosition.timestamp")

        let key = try #require(problem(minimalLink + "\nstartPosition: {time: 0}"))
        #expect(key.keyPath == "startPosition.time")
        #expect(key.message.hasSuffix("did you mean 'timestamp'?"))
    }

    @Test("duplicate destination names")
    func duplicateDestinationNames() throws {
        let yaml = minimalLink.replacingOccurrences(
            of: "    bootstrap: dst-1:9092",
            with: "    bootstrap: dst-1:9092\n  - name: cloud\n    bootstrap: dst-2:9092")
        let error = try #require(problem(yaml))
        #expect(error.code == .duplicate)
        #expect(error.keyPath == "destinations[1].name")
        #expect(error.message == "destination name 'cloud' is already used by destinations[0]")
        #expect(error.line == 7)
    }

    @Test("a destination that is the source, or another destination")
    func duplicateClusters() throws {
        let itself = try #require(problem(minimalLink.replacingOccurrences(of: "dst-1:9092", with: "SRC-1:9092")))
        #expect(itself.keyPath == "destinations[0].bootstrap")

        let twice = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "    bootstrap: dst-1:9092",
                    with: "    bootstrap: dst-1:9092\n  - name: again\n    bootstrap: [dst-1:9092]")))
        #expect(twice.keyPath == "destinations[1].bootstrap")
        #expect(twice.code == .duplicate)
    }

    @Test("unknown security protocol lists the accepted ones")
    func unknownSecurityProtocol() throws {
        let unknown = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "    bootstrap: dst-1:9092", with: "    bootstrap: dst-1:9092\n    security: TLS")))
        #expect(unknown.keyPath == "destinations[0].security")
        #expect(unknown.value == "TLS")
        #expect(unknown.message == "unknown security protocol 'TLS'; accepted: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")

        let later = try #require(
            problem(
                minimalLink.replacingOccurrences(
                    of: "  bootstrap: src-1:9092", with: "  bootstrap: src-1:9092\n  security: sasl_ssl")))
        #expect(later.keyPath == "source.security")
        #expect(later.message.contains("needs its settings"))
    }

    @Test("a config the mirror forces cannot be synced")
    func forcedConfig() throws {
        let error = try #require(problem(minimalLink + "\nconfigSync:\n  include: [retention.ms, compression.type]"))
        #expect(error.keyPath == "configSync.include[1]")
        #expect(error.value == "compression.type")
        #expect(error.message.contains("never synced"))
    }

    @Test("link name, produce and fetch limits")
    func valueRanges() throws {
        let name = try #require(
            problem(minimalLink.replacingOccurrences(of: "name: orders\n", with: "name: my orders\n")))
        #expect(name.keyPath == "name")
        #expect(name.value == "my orders")

        let inFlight = try #require(problem(minimalLink + "\nproduce:\n  maxInFlightPerPartition: 6"))
        #expect(inFlight.keyPath == "produce.maxInFlightPerPartition")
        #expect(inFlight.expected == "an integer from 1 to 5")

        let buffer = try #require(problem(minimalLink + "\nproduce:\n  bufferBytes: 10MiB"))
        #expect(buffer.keyPath == "produce.bufferBytes")
        #expect(buffer.message.contains("smaller than fetch.maxBytes (50MiB)"))

        let size = try #require(problem(minimalLink + "\nfetch:\n  maxBytes: 50MB"))
        #expect(size.keyPath == "fetch.maxBytes")
        #expect(size.expected.contains("MiB"))
    }

    @Test("wrong shapes")
    func wrongShapes() throws {
        let list = try #require(
            problem(
                minimalLink.replacingOccurrences(of: "source:\n  bootstrap: src-1:9092", with: "source: [src-1:9092]")))
        #expect(list.keyPath == "source")
        #expect(list.code == .wrongType)
        #expect(list.message.contains("found a list"))

        let empty = try #require(problem(minimalLink + "\nstore:\n  path:"))
        #expect(empty.keyPath == "store.path")
        #expect(empty.value == nil)
        #expect(empty.message.contains("found nothing"))
    }

    @Test("every problem is reported in one pass, in file order, one per line")
    func multipleErrors() throws {
        let yaml = """
            name: orders
            source:
              bootstrap: kafka
              requestTimeout: 5 parsecs
            destination:
              - name: cloud
            topics:
              include:
                - regex: '['
            startPosition: beginning
            produce:
              maxInFlightPerPartition: 9
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("causeway-\(UUID()).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }

        do {
            _ = try LinkConfiguration.load(path: path)
            Issue.record("expected errors")
        } catch {
            #expect(error.file == path)
            #expect(
                error.errors.map(\.keyPath) == [
                    "source.bootstrap", "source.requestTimeout", "destination", "topics.include[0].regex",
                    "startPosition",
                    "produce.maxInFlightPerPartition",
                ])
            #expect(error.errors.map(\.line) == [3, 4, 5, 9, 10, 12])
            let lines = error.description.split(separator: "\n")
            #expect(lines.count == 6)
            #expect(
                lines[0]
                    == "\(path):3:14: source.bootstrap: 'kafka' is not a bootstrap server list; expected host:port with a port from 1 to 65535, several separated by commas or given as a list"
            )
            #expect(
                lines[2].hasPrefix(
                    "\(path):5:1: destination: unknown key 'destination' at the top level; did you mean 'destinations'?"
                ))
        }
    }

    @Test("YAML syntax errors carry their line")
    func syntaxError() throws {
        let error = try #require(problem("name: orders\nsource:\n  bootstrap: [a:1\ntopics: {}"))
        #expect(error.code == .syntax)
        #expect(error.line != nil)
        #expect(error.message.hasPrefix("not valid YAML: "))
        #expect(!error.message.contains("\n"))

        let duplicate = try #require(problem(minimalLink + "\nname: again"))
        #expect(duplicate.code == .syntax)
        #expect(duplicate.message.contains("'name'"))

        let empty = try #require(problem(""))
        #expect(empty.code == .missingKey)
        #expect(empty.keyPath == "")
    }

    @Test("an unreadable file")
    func unreadableFile() throws {
        do {
            _ = try LinkConfiguration.load(path: "/nonexistent/causeway.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.map(\.code) == [.unreadableFile])
            #expect(error.description.hasPrefix("/nonexistent/causeway.yaml: cannot read the configuration file"))
        }
    }
}
