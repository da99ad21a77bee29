import ArgumentParser
import Foundation

/// `causeway bench broker ARGS...`: `causeway broker ARGS...` that stops when its parent,
/// the benchmark, is gone, so a benchmark that crashes leaves no brokers running.
///
/// Linux's PR_SET_PDEATHSIG would fire when the *thread* that spawned the child exits,
/// and the thread that starts a child here is a pool thread that may exit whenever it
/// idles; watching for reparenting (getppid changes) has no such trap.
struct BenchBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "`causeway broker` for `causeway bench link` (run as its child process).",
        shouldDisplay: false
    )

    @Argument(parsing: .captureForPassthrough, help: "The arguments of `causeway broker`.")
    var brokerArguments: [String] = []

    func run() async throws {
        let parent = getppid()
        let broker = try BrokerCommand.parse(brokerArguments)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await broker.run() }
            group.addTask {
                while getppid() == parent { try await Task.sleep(for: .seconds(1)) }
                // The broker shuts down as it does for any SIGTERM; its own task then ends.
                kill(getpid(), SIGTERM)
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
