import KafkaProtocol
import KafkaSecurity

/// The SASL state of one connection on a SASL listener, as a state machine: requests
/// in, responses and a verdict out; the listener does the I/O.
///
/// Kafka's order (KIP-152): ApiVersions (optional), SaslHandshake naming a mechanism,
/// then SaslAuthenticate requests carrying the mechanism's messages. Until the last one
/// succeeds the listener serves nothing else.
struct SaslServerSession: Sendable {
    enum Verdict: Sendable, Equatable {
        /// More messages to come.
        case pending
        /// Authenticated: the connection now acts as this principal.
        case authenticated(KafkaPrincipal)
        /// Refused: send the response, then close the connection (as Kafka does).
        case refused(SaslFailure)
    }

    private enum State: Sendable {
        case awaitingHandshake
        case awaitingPlain
        case awaitingScram(ScramServer)
        case authenticated
        case finished
    }

    let enabledMechanisms: [SaslMechanism]
    private var state = State.awaitingHandshake

    init(enabledMechanisms: [SaslMechanism]) {
        self.enabledMechanisms = enabledMechanisms
    }

    var isAuthenticated: Bool {
        if case .authenticated = state { return true }
        return false
    }

    mutating func handshake(_ request: SaslHandshakeRequest) -> SaslHandshakeResponse {
        let offered = enabledMechanisms.map(\.rawValue)
        guard case .awaitingHandshake = state else {
            return SaslHandshakeResponse(errorCode: KafkaErrorCode.illegalSaslState.rawValue, mechanisms: offered)
        }
        guard let mechanism = SaslMechanism(rawValue: request.mechanism), enabledMechanisms.contains(mechanism) else {
            return SaslHandshakeResponse(errorCode: KafkaErrorCode.unsupportedSaslMechanism.rawValue, mechanisms: offered)
        }
        switch mechanism.scramAlgorithm {
        case nil: state = .awaitingPlain
        case let algorithm?: state = .awaitingScram(ScramServer(algorithm: algorithm))
        }
        return SaslHandshakeResponse(errorCode: 0, mechanisms: offered)
    }

    mutating func authenticate(_ request: SaslAuthenticateRequest, users: ScramUserStore) -> (SaslAuthenticateResponse, Verdict) {
        switch state {
        case .awaitingHandshake, .authenticated, .finished:
            state = .finished
            return refuse(SaslFailure(user: nil, reason: "SaslAuthenticate before SaslHandshake"), code: .illegalSaslState)
        case .awaitingPlain:
            state = .finished
            guard let (user, password) = SaslPlain.parse(request.authBytes) else {
                return refuse(SaslFailure(user: nil, reason: "malformed PLAIN message"))
            }
            guard users.verifyPlain(user: user, password: password) else {
                return refuse(SaslFailure(user: user, reason: "unknown user or wrong password"))
            }
            state = .authenticated
            return (SaslAuthenticateResponse(errorCode: 0, authBytes: []), .authenticated(.user(user)))
        case .awaitingScram(var scram):
            do {
                let algorithm = scram.algorithm
                let step = try scram.receive(request.authBytes) { users.credential(user: $0, algorithm: algorithm) }
                switch step {
                case .challenge(let bytes):
                    state = .awaitingScram(scram)
                    return (SaslAuthenticateResponse(errorCode: 0, authBytes: bytes), .pending)
                case .authenticated(let user, let finalMessage):
                    state = .authenticated
                    return (SaslAuthenticateResponse(errorCode: 0, authBytes: finalMessage), .authenticated(.user(user)))
                }
            } catch let failure as SaslFailure {
                state = .finished
                return refuse(failure)
            } catch {
                state = .finished
                return refuse(SaslFailure(user: scram.user, reason: "SCRAM exchange failed"))
            }
        }
    }

    /// Kafka's wording to the client does not say whether the user or the password
    /// was wrong; the broker's log (the failure) does.
    private func refuse(
        _ failure: SaslFailure, code: KafkaErrorCode = .saslAuthenticationFailed
    ) -> (SaslAuthenticateResponse, Verdict) {
        let mechanisms = enabledMechanisms.map(\.rawValue).joined(separator: ", ")
        let message = code == .illegalSaslState
            ? "Unexpected SaslAuthenticate: \(failure.reason)"
            : "Authentication failed: invalid credentials (mechanisms \(mechanisms))"
        return (SaslAuthenticateResponse(errorCode: code.rawValue, errorMessage: message, authBytes: []), .refused(failure))
    }
}
