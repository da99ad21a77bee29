import Foundation

/// The source and destination of `causeway bench link`: one `causeway broker` child
/// process each (through `causeway bench broker`, which stops if the benchmark dies), on loopback, in a temporary directory removed by `stop()`.
struct BenchClusters {
    let directory: String
    let source: BenchChild
    let destination: BenchChild
    let sourceBootstrap: String
    let destinationBootstrap: String

    static func start(partitions: Int) async throws -> BenchClusters {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "causeway-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var children: [BenchChild] = []
        do {
            for name in ["source", "destination"] {
                children.append(
                    try BenchChild(
                        name: name,
                        arguments: [
                            "bench", "broker", "--data-dir", "\(directory)/\(name)", "--listen", "127.0.0.1:0",
                            "--log-level", "error",
                            "--partitions", "\(partitions)",
                        ],
                        directory: directory))
            }
            let sourceBootstrap = try await children[0].line(startingWith: "bootstrap.servers=", timeout: .seconds(30))
            let destinationBootstrap = try await children[1].line(
                startingWith: "bootstrap.servers=", timeout: .seconds(30))
            return BenchClusters(
                directory: directory, source: children[0], destination: children[1], sourceBootstrap: sourceBootstrap,
                destinationBootstrap: destinationBootstrap)
        } catch {
            for child in children { child.stop() }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Stops both brokers and removes their data.
    func stop() {
        source.stop()
        destination.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `causeway bench produce` with `arguments` and returns what it reports.
    func load(_ name: String, _ arguments: [String], timeout: Duration) async throws -> LoadResult {
        let resultPath = "\(directory)/\(name).json"
        let child = try BenchChild(
            name: name,
            arguments: ["bench", "produce", "--source", sourceBootstrap, "--result", resultPath] + arguments,
            directory: directory)
        let status: Int32
        do {
            status = try await child.waitForExit(timeout: timeout)
        } catch {
            child.stop()
            throw error
        }
        guard status == 0, let data = FileManager.default.contents(atPath: resultPath) else {
            throw BenchError("the load generator failed (exit status \(status))", detail: child.errorTail)
        }
        return try JSONDecoder().decode(LoadResult.self, from: data)
    }
}
