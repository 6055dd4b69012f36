package dev.converge.agent.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.net.ConnectException;
import java.net.URI;
import java.security.cert.CertificateNotYetValidException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * {@link TlsDiagnosis} on failures built here, for what the etcd of the tests cannot produce (a
 * TLS 1.3 certificate_required alert, a certificate not valid yet); EtcdTlsTest meets the others
 * against a real etcd.
 */
class EtcdTlsDiagnosisTest {

    private static final EtcdSettings TLS = EtcdSettings.of(List.of(URI.create("https://etcd1:2379")));

    /** As gRPC wraps a handshake failure: UNAVAILABLE, a message of two lines, the JDK's exception as cause. */
    private static Throwable failed(Throwable handshake) {
        return Status.UNAVAILABLE.withDescription("io exception\nChannel Pipeline: [SslHandler#0]").withCause(handshake)
                .asRuntimeException();
    }

    @Test
    void aCertificateRequiredAlertAsksForAClientCertificate() {
        var alert = new SSLHandshakeException("(certificate_required) Received fatal alert: certificate_required");

        assertThat(TlsDiagnosis.of(failed(alert), TLS)).contains(
                "etcd wants a client certificate: give --etcd-cert and --etcd-key (etcd alert certificate_required)");
    }

    @Test
    void aCertificateNotValidYetPointsAtTheClock() {
        var handshake = new SSLHandshakeException("(certificate_unknown) PKIX path validation failed");
        handshake.initCause(new CertificateNotYetValidException("NotBefore: Fri Jan 01 00:00:00 UTC 2100"));

        assertThat(TlsDiagnosis.of(failed(handshake), TLS)).contains(
                "the server's certificate is not valid yet (notBefore 2100-01-01T00:00:00Z): check this machine's clock");
    }

    @Test
    void anUnknownHandshakeFailureIsItsMessageInOneLineWithoutClassNames() {
        var handshake = new SSLHandshakeException("(internal_error) something failed: "
                + "sun.security.provider.certpath.SunCertPathBuilderException: it broke\nsecond line");

        String said = TlsDiagnosis.of(failed(handshake), TLS).orElseThrow();

        assertThat(said).isEqualTo("(internal_error) something failed: it broke");
    }

    @Test
    void aFailureWithoutTlsInItIsNotDiagnosed() {
        var refused = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new ConnectException("Connection refused")).asRuntimeException();

        assertThat(TlsDiagnosis.of(refused, TLS)).isEmpty();
    }
}
