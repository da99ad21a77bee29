import ArgumentParser

@main
struct CausewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causeway",
        abstract: "Links Kafka clusters so that every record keeps its offset and its bytes.",
        subcommands: [
            DemoCommand.self, RunCommand.self, StatusCommand.self, VerifyCommand.self, PauseCommand.self, ResumeCommand.self,
            FailoverCommand.self, PromoteCommand.self, ReverseCommand.self, BrokerCommand.self, BenchCommand.self,
        ]
    )
}
