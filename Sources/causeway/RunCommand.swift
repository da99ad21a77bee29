import ArgumentParser
import Causeway
import CausewayStore
import Foundation
import Logging
import ServiceLifecycle

/// `causeway run`: the daemon. Mirrors one link until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Mirror a link: keep destination partitions at the same offsets and bytes as the source.",
        discussion: """
            Reads the link from --config (see Docs/configuration.md and deploy/examples/). Safe \
            to kill and restart at any moment: each destination partition's log end is its \
            checkpoint. Writes the link's status every second to --status-file (default: beside \
            the store, <store>.status.json) for `causeway status`. Follows the pause and \
            failover requests that `causeway pause`, `resume` and `failover` write to the \
            link's store (store.path), and records each partition's source high watermark there.
            """
    )

    @Option(name: .long, help: "The link configuration (YAML).")
    var config: String

    @Option(name: .long, help: "Where to write the status file.")
    var statusFile: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let link = try loadLink(config)
        let logger = bootstrapLogging(level: logLevel, label: "causeway")
        let store = try openLinkStore(link)
        let service = LinkService(link: link, store: store, statusPath: statusFile ?? statusPath(for: link), logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Runs a link engine as a service: a graceful shutdown cancels it, which stops the
/// workers; nothing is lost, since the destination log ends are the checkpoints.
///
/// The engine runs the link in the direction the store says; when `causeway reverse`
/// flips it, the engine is stopped and started again the other way round.
struct LinkService: Service {
    let link: LinkConfiguration
    let store: any CheckpointStore
    let statusPath: String
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let direction = (try? store.direction()) ?? .forward
                let configuration: LinkConfiguration
                do {
                    configuration = try link.directed(direction)
                } catch {
                    logger.error("cannot run link \(link.name) \(direction.rawValue): \(error)")
                    return
                }
                if direction == .reversed { logger.notice("link \(link.name) runs reversed (after `causeway reverse`)") }
                let engine = LinkEngine(configuration: configuration, statusPath: statusPath, store: store, logger: logger)
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await engine.run() }
                    group.addTask { await waitForDirectionChange(from: direction) }
                    _ = await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    /// Returns when the store's direction differs from `direction` (or on cancellation).
    private func waitForDirectionChange(from direction: LinkDirection) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if let current = try? store.direction(), current != direction { return }
        }
    }
}

/// Loads and validates a link file, or exits with every problem listed, one per line.
func loadLink(_ path: String) throws -> LinkConfiguration {
    do {
        return try LinkConfiguration.load(path: path)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(64)  // EX_USAGE
    }
}

/// The default status file of a link: beside its store.
func statusPath(for link: LinkConfiguration) -> String {
    let store = link.store.path
    let base = store.hasSuffix(".db") ? String(store.dropLast(3)) : store
    return base + ".status.json"
}

func bootstrapLogging(level: String, label: String) -> Logger {
    let level = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: label)
}
