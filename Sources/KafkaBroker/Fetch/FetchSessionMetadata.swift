import KafkaProtocol

/// The `sessionId` and `sessionEpoch` of a Fetch request, read as KIP-227 defines them
/// (Kafka's `org.apache.kafka.common.requests.FetchMetadata`).
///
/// | sessionId | epoch | meaning |
/// |---|---|---|
/// | 0 | -1 (`FINAL_EPOCH`) | full fetch, no session (also every request below v7) |
/// | 0 | 0 (`INITIAL_EPOCH`) | full fetch that asks for a new session |
/// | X | -1 | close session X; full fetch, no new session |
/// | X | 0 | close session X; full fetch that asks for a new session |
/// | X | N, any other value | incremental fetch in session X, which must expect epoch N |
///
/// Only epochs 0 and -1 make a request full: an "incremental" request with id 0, or
/// with an epoch below -1, is looked up like any other and fails with
/// FETCH_SESSION_ID_NOT_FOUND or INVALID_FETCH_SESSION_EPOCH, as in Kafka.
public struct FetchSessionMetadata: Hashable, Sendable, CustomStringConvertible {
    /// KIP-227 `INVALID_SESSION_ID`: no session.
    public static let invalidSessionId: Int32 = 0
    /// KIP-227 `INITIAL_EPOCH`: a full fetch that creates a session.
    public static let initialEpoch: Int32 = 0
    /// KIP-227 `FINAL_EPOCH`: a full fetch that does not create one.
    public static let finalEpoch: Int32 = -1

    public var sessionId: Int32
    public var epoch: Int32

    public init(sessionId: Int32, epoch: Int32) {
        self.sessionId = sessionId
        self.epoch = epoch
    }

    /// The metadata of `request`, decoded at `version`. Fetch v4-6 carry no session
    /// fields, so they are always sessionless, whatever the struct holds.
    public init(_ request: FetchRequest, version: Int16) {
        if version < 7 {
            self.init(sessionId: Self.invalidSessionId, epoch: Self.finalEpoch)
        } else {
            self.init(sessionId: request.sessionId, epoch: request.sessionEpoch)
        }
    }

    /// A full request carries every partition it wants; an incremental one only changes.
    public var isFull: Bool { epoch == Self.initialEpoch || epoch == Self.finalEpoch }

    /// The epoch after `epoch`, as `FetchMetadata.nextEpoch`: a session starts at 1 and
    /// wraps from `Int32.max` back to 1, never to 0 or -1, which mean "full".
    public static func nextEpoch(after epoch: Int32) -> Int32 {
        if epoch < 0 { return finalEpoch }
        if epoch == Int32.max { return 1 }
        return epoch + 1
    }

    public var description: String { "(sessionId=\(sessionId), epoch=\(epoch))" }
}
