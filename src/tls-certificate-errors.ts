/**
 * Node's error codes (OpenSSL's verify results, and Node's own name check) for a server certificate the client
 * does not trust: an unknown or self-signed CA, an expired certificate, or a name that does not match the host.
 * Connect's client and Kafka's both use it to say "not trusted" rather than "unreachable".
 */
const untrustedCertificateCodes = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

export function isUntrustedCertificate(code: string | undefined): boolean {
  return code !== undefined && untrustedCertificateCodes.has(code);
}
