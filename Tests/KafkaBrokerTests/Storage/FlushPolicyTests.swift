import Testing
@testable import KafkaBroker

@Suite struct FlushPolicyTests {
    @Test func decidesByMessagesTimeOrNever() {
        #expect(FlushPolicy.everyWrite.isDue(unflushedMessages: 1, millisecondsSinceFlush: 0))
        #expect(!FlushPolicy.everyWrite.isDue(unflushedMessages: 0, millisecondsSinceFlush: 1_000))
        #expect(!FlushPolicy.everyMessages(10).isDue(unflushedMessages: 9, millisecondsSinceFlush: 0))
        #expect(FlushPolicy.everyMessages(10).isDue(unflushedMessages: 10, millisecondsSinceFlush: 0))
        #expect(!FlushPolicy.every(.seconds(1)).isDue(unflushedMessages: 5, millisecondsSinceFlush: 999))
        #expect(FlushPolicy.every(.seconds(1)).isDue(unflushedMessages: 5, millisecondsSinceFlush: 1_000))
        #expect(!FlushPolicy.never.isDue(unflushedMessages: 1_000_000, millisecondsSinceFlush: 1_000_000))
    }
}
