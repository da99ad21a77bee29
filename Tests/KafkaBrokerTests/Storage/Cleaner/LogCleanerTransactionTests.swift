import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// Transactions on hand-built batches (the broker does not run transactions yet):
/// aborted data goes at once, markers go once their transaction's data is gone and
/// their delete horizon has passed.
@Suite struct LogCleanerTransactionTests {
    typealias Fixture = CompactedLogFixture

    static let retention: Int64 = 1_000

    static var config: CleanerConfig {
        var config = CleanerConfig()
        config.deleteRetention = .milliseconds(retention)
        return config
    }

    /// 0: z=1; 1: aborted txn of producer 5 (k1=a, z=bad); 2: ABORT; 3: committed txn of
    /// producer 6 (k2=b); 4: COMMIT; 5: end=1.
    static func transactionalLog() throws -> Fixture {
        let fixture = try Fixture()
        try fixture.append([("z", "1")])
        try fixture.append([("k1", "a"), ("z", "bad")], producerId: 5, producerEpoch: 0, baseSequence: 0,
                           isTransactional: true)
        try fixture.appendMarker(.abort, producerId: 5)
        try fixture.append([("k2", "b")], producerId: 6, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        try fixture.appendMarker(.commit, producerId: 6)
        try fixture.append([("end", "1")])
        try fixture.roll()
        return fixture
    }

    @Test func theScannerFindsAbortedTransactions() throws {
        let fixture = try Self.transactionalLog()
        let aborted = try AbortedTransactionScanner.collect(in: fixture.log.segments, upperBound: fixture.log.logEndOffset)
        #expect(aborted == [AbortedTransaction(producerId: 5, firstOffset: 1, lastOffset: 3)])
    }

    @Test func abortedDataGoesAtOnceAndItsMarkerAfterTheHorizon() throws {
        let fixture = try Self.transactionalLog()
        let abortMarker: Int64 = 3

        // Pass 1: the aborted batch goes, without touching the map (z keeps 1); its marker
        // stays, as a read_committed consumer would still need it for the batch just seen.
        try fixture.clean(Self.config)
        var batches = try fixture.readBatches()
        #expect(batches.map(\.baseOffset) == [0, abortMarker, 4, 5, 6])
        #expect(!batches[1].hasDeleteHorizon && batches[1].bytes == fixture.batches[2].bytes)
        #expect(try fixture.table() == ["z": "1", "k2": "b", "end": "1"])

        // Pass 2: no batch of the transaction is left, so the marker gets a delete horizon.
        try fixture.clean(Self.config)
        batches = try fixture.readBatches()
        #expect(batches.map(\.baseOffset) == [0, abortMarker, 4, 5, 6])
        let marker = batches[1]
        #expect(marker.isControl && marker.isTransactional && marker.hasDeleteHorizon)
        #expect(marker.baseTimestamp == fixture.clock.nowMilliseconds + Self.retention)
        #expect(try marker.controlRecords().map(\.type) == [.abort])
        #expect(marker.producerId == 5 && marker.lastOffsetDelta == 0)

        // Pass 3, past the horizon: the marker goes.
        fixture.clock.advance(milliseconds: Self.retention)
        try fixture.clean(Self.config)
        #expect(try fixture.readBatches().map(\.baseOffset) == [0, 4, 5, 6])
    }

    @Test func aCommitMarkerStaysWhileItsTransactionsDataDoes() throws {
        let fixture = try Self.transactionalLog()
        try fixture.clean(Self.config)
        fixture.clock.advance(milliseconds: Self.retention)
        try fixture.clean(Self.config)
        #expect(try fixture.readBatches().map(\.baseOffset).contains(5))  // the COMMIT marker

        // The committed record is overwritten: its batch goes; the marker, which saw the
        // batch in that pass, stays; the pass after sets its horizon; the next removes it.
        try fixture.append([("k2", "c")])
        try fixture.roll()
        try fixture.clean(Self.config)
        var bases = try fixture.readBatches().map(\.baseOffset)
        #expect(!bases.contains(4) && bases.contains(5))
        try fixture.clean(Self.config)
        let marker = try #require(try fixture.readBatches().first { $0.baseOffset == 5 })
        #expect(marker.hasDeleteHorizon)
        fixture.clock.advance(milliseconds: Self.retention)
        try fixture.clean(Self.config)
        bases = try fixture.readBatches().map(\.baseOffset)
        #expect(!bases.contains(5))
        #expect(try fixture.table() == ["z": "1", "k2": "c", "end": "1"])
    }

    @Test func nothingPastAnOpenTransactionIsCleaned() throws {
        let fixture = try Fixture()
        try fixture.append([("a", "1")])  // 0
        try fixture.roll()
        try fixture.append([("a", "2")], producerId: 9, producerEpoch: 0, baseSequence: 0, isTransactional: true)  // 1
        try fixture.roll()
        try fixture.append([("a", "3")])  // 2
        try fixture.roll()
        var cleaner = LogCleaner(config: CleanerConfig(), nowMilliseconds: fixture.clock.nowMilliseconds)
        cleaner.firstUnstableOffset = 1
        let outcome = try cleaner.clean(fixture.log, force: true)
        #expect(outcome.firstUncleanableOffset == 1)
        // Only segment 0 was cleanable, and a@0 is the latest a below offset 1.
        #expect(try fixture.readBatches().map(\.baseOffset) == [0, 1, 2])
    }
}
