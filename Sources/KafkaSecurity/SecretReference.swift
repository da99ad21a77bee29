import Foundation

/// Where a secret comes from, as written in configuration and on the command line:
///
/// - `env:NAME`: the value of environment variable NAME;
/// - `file:/path`: the contents of the file (one trailing newline dropped);
/// - anything else: the text itself (fine for tests; in production prefer the two above,
///   so the secret stays out of configuration files and process listings).
///
/// Errors name the variable or file, never the secret.
public enum SecretReference {
    public static func resolve(
        _ text: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> SecretValue {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard !name.isEmpty else { throw SecurityError("'env:' needs a variable name, as in env:KAFKA_PASSWORD") }
            guard let value = environment[name] else { throw SecurityError("environment variable \(name) is not set") }
            return SecretValue(value)
        }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard let data = FileManager.default.contents(atPath: path), var value = String(data: data, encoding: .utf8) else {
                throw SecurityError("secret file \(path) does not exist or cannot be read as UTF-8 text")
            }
            if value.hasSuffix("\r\n") {
                value.removeLast(2)
            } else if value.hasSuffix("\n") {
                value.removeLast()
            }
            return SecretValue(value)
        }
        return SecretValue(text)
    }
}
