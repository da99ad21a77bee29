import KafkaProtocol
import Testing
@testable import KafkaBroker

@Suite struct FetchSessionMetadataTests {
    @Test func onlyEpochsZeroAndMinusOneAreFull() {
        #expect(FetchSessionMetadata(sessionId: 0, epoch: -1).isFull)
        #expect(FetchSessionMetadata(sessionId: 0, epoch: 0).isFull)
        #expect(FetchSessionMetadata(sessionId: 7, epoch: 0).isFull)
        #expect(FetchSessionMetadata(sessionId: 7, epoch: -1).isFull)
        #expect(!FetchSessionMetadata(sessionId: 7, epoch: 1).isFull)
        #expect(!FetchSessionMetadata(sessionId: 7, epoch: -2).isFull)
        #expect(!FetchSessionMetadata(sessionId: 0, epoch: 3).isFull)
    }

    @Test func nextEpochWrapsToOneNeverToFullEpochs() {
        #expect(FetchSessionMetadata.nextEpoch(after: 0) == 1)
        #expect(FetchSessionMetadata.nextEpoch(after: 41) == 42)
        #expect(FetchSessionMetadata.nextEpoch(after: Int32.max) == 1)
        #expect(FetchSessionMetadata.nextEpoch(after: -1) == -1)
    }

    @Test func versionsBelowSevenAreSessionlessWhateverTheFieldsSay() {
        let request = FetchRequest(sessionId: 9, sessionEpoch: 3)
        #expect(FetchSessionMetadata(request, version: 6) == FetchSessionMetadata(sessionId: 0, epoch: -1))
        #expect(FetchSessionMetadata(request, version: 7) == FetchSessionMetadata(sessionId: 9, epoch: 3))
    }
}
