import ArgumentParser
import Foundation

/// `causeway bench`: measurements, not tests. Build with `-c release` for real numbers.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks (use a release build: swift run -c release causeway bench ...).",
        subcommands: [CodecBenchCommand.self, LinkBenchCommand.self, BenchProduceCommand.self, BenchBrokerCommand.self]
    )
}

struct CodecBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "CRC-32C throughput and the cost to parse and build one record batch per codec."
    )

    @Option(help: "Milliseconds spent on each measurement.")
    var milliseconds: Int = 500

    func run() throws {
        #if DEBUG
        print("note: this is a debug build; numbers are far below a release build's")
        #endif
        let benchmark = CodecBenchmark(budget: .milliseconds(max(10, milliseconds)))
        try benchmark.run { line in
            print("\(line.name.padding(toLength: 72, withPad: " ", startingAt: 0)) \(line.value)")
        }
    }
}
