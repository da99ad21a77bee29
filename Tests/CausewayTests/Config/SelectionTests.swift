import Causeway
import Testing

@Suite("Topic and group selection")
struct SelectionTests {
    @Test("literal, prefix and regex rules; a regex matches the whole name")
    func ruleKinds() throws {
        #expect(SelectionRule.name("orders").matches("orders"))
        #expect(!SelectionRule.name("orders").matches("orders2"))
        #expect(SelectionRule.prefix("orders.").matches("orders.eu"))
        #expect(!SelectionRule.prefix("orders.").matches("orders"))
        let regex = SelectionRule.regex(try NamePattern("orders"))
        #expect(regex.matches("orders"))
        #expect(!regex.matches("orders-dlq"))
        #expect(!regex.matches("old-orders"))
        #expect(SelectionRule.regex(try NamePattern("audit-[0-9]+")).matches("audit-42"))
        #expect(!SelectionRule.regex(try NamePattern("audit-[0-9]+")).matches("audit-42x"))
        #expect(SelectionRule.regex(try NamePattern("(a|b)\\.events")).matches("b.events"))
    }

    @Test("exclude wins")
    func excludeWins() throws {
        let selection = TopicSelection(
            include: [.prefix("orders"), .name("orders-dlq")], exclude: [.regex(try NamePattern(".*-dlq"))])
        #expect(selection.matches("orders"))
        #expect(selection.matches("orders.eu"))
        #expect(!selection.matches("orders-dlq"))
        #expect(!selection.matches("payments"))
    }

    @Test("internal __ topics need a literal include, and exclude still wins")
    func internalTopics() throws {
        let everything = TopicSelection(include: [.regex(try NamePattern(".*")), .prefix("__")])
        #expect(everything.matches("orders"))
        #expect(!everything.matches("__consumer_offsets"))
        #expect(!everything.matches("__transaction_state"))

        let named = TopicSelection(include: [.regex(try NamePattern(".*")), .name("__schemas")])
        #expect(named.matches("__schemas"))
        #expect(!named.matches("__consumer_offsets"))

        let excluded = TopicSelection(include: [.name("__schemas")], exclude: [.prefix("__")])
        #expect(!excluded.matches("__schemas"))
    }

    @Test("groups follow the same rules; an empty include selects none")
    func groups() throws {
        #expect(!GroupSelection().matches("billing"))
        let groups = GroupSelection(
            include: [.regex(try NamePattern(".*"))], exclude: [.prefix("console-consumer-")])
        #expect(groups.matches("billing"))
        #expect(!groups.matches("console-consumer-123"))
        #expect(!groups.matches("__internal"))
        #expect(GroupSelection(include: [.name("__internal")]).matches("__internal"))
    }

    @Test("rules read from YAML")
    func rulesFromYAML() throws {
        let link = try LinkConfiguration(
            yaml: minimalLink + """

                    - prefix: payments.
                    - regex: 'audit-[0-9]+'
                  exclude:
                    - name: payments.test
                groups:
                  include: [{prefix: app-}]
                  exclude: [{regex: 'app-.*-tmp'}]
                """)
        #expect(
            link.topics.include == [.name("orders"), .prefix("payments."), .regex(try NamePattern("audit-[0-9]+"))])
        #expect(link.topics.matches("payments.eu"))
        #expect(!link.topics.matches("payments.test"))
        #expect(link.topics.matches("audit-7"))
        #expect(!link.topics.matches("audit-x"))
        #expect(link.groups.matches("app-billing"))
        #expect(!link.groups.matches("app-billing-tmp"))
    }

    @Test("patterns compare by their text")
    func patternEquality() throws {
        #expect(try NamePattern("a.*") == NamePattern("a.*"))
        #expect(try NamePattern("a.*") != NamePattern("a.+"))
        #expect(throws: (any Error).self) { try NamePattern("(") }
    }
}
