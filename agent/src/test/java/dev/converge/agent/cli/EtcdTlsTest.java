package dev.converge.agent.cli;

import static dev.converge.agent.cli.DeployCommandTest.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.converge.agent.cli.DeployCommandTest.Outcome;
import dev.converge.agent.etcd.EtcdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd serving TLS with client-certificate auth, certificates made by openssl for the test: a good
 * server certificate, an expired one and one for another host, each on an etcd of its own.
 */
class EtcdTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static EtcdServer etcd;
    static EtcdServer expired;
    static EtcdServer otherHost;
    static Path graph;

    private static void openssl(String... args) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** A key (PKCS#8 PEM) and a certificate signing request. */
    private static void request(String name, String subject, String extensions) throws Exception {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", subject);
        Files.writeString(dir.resolve(name + ".ext"), extensions);
    }

    /** A key and a certificate signed by the test CA, valid from now for a day. */
    private static void signed(String name, String subject, String extensions) throws Exception {
        request(name, subject, extensions);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "1", "-extfile", name + ".ext");
    }

    /** A key and a certificate signed by the test CA that was valid for one day in January 2025. */
    private static void signedExpired(String name, String subject, String extensions) throws Exception {
        request(name, subject, extensions);
        // openssl 3.0's x509 cannot set dates in the past; its ca command can.
        Files.writeString(dir.resolve("ca.cnf"), """
                [ca]
                default_ca = test
                [test]
                database = index.txt
                new_certs_dir = .
                serial = serial
                default_md = sha256
                policy = any
                [any]
                commonName = supplied
                """);
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "01\n");
        openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", name + ".csr",
                "-out", name + ".pem", "-startdate", "20250101000000Z", "-enddate", "20250102000000Z",
                "-extfile", name + ".ext", "-notext");
    }

    @BeforeAll
    static void startTlsEtcd() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
                "-subj", "/CN=converge test CA");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem",
                "-days", "1", "-subj", "/CN=another CA");
        String server = "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
        signed("server", "/CN=127.0.0.1", server);
        signedExpired("expired", "/CN=127.0.0.1", server);
        signed("other-host", "/CN=other.example", "subjectAltName=DNS:other.example,IP:127.0.0.2\n"
                + "extendedKeyUsage=serverAuth\n");
        signed("client", "/CN=web1", "extendedKeyUsage=clientAuth\n");
        etcd = EtcdServer.startTls(dir.resolve("etcd"),
                new EtcdServer.Tls(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key")));
        expired = EtcdServer.startTls(dir.resolve("etcd-expired"),
                new EtcdServer.Tls(dir.resolve("ca.pem"), dir.resolve("expired.pem"), dir.resolve("expired.key")));
        otherHost = EtcdServer.startTls(dir.resolve("etcd-other-host"),
                new EtcdServer.Tls(dir.resolve("ca.pem"), dir.resolve("other-host.pem"), dir.resolve("other-host.key")));
        graph = Files.writeString(dir.resolve("g.yaml"), "graph: g\nresources:\n  noop:\n  - name: n\n");
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        for (EtcdServer e : new EtcdServer[] {etcd, expired, otherHost}) {
            if (e != null) {
                e.close();
            }
        }
    }

    /** {@code --etcd-cacert} and the client certificate and key, as a host with everything right gives them. */
    private static List<String> credentials(String ca) {
        return List.of("--etcd-cacert=" + dir.resolve(ca), "--etcd-cert=" + dir.resolve("client.pem"),
                "--etcd-key=" + dir.resolve("client.key"));
    }

    private static Outcome deploy(EtcdServer server, String host, List<String> tls) {
        var args = new ArrayList<>(List.of("deploy", "--file=" + graph, "--etcd=" + server.endpoint(), "--host=" + host,
                "--etcd-timeout=5s"));
        args.addAll(tls);
        return agent(args.toArray(String[]::new));
    }

    /** The deploy failed as unreachable, saying so in one line with no Java class in it. */
    private static String oneLineFailure(Outcome deploy) {
        assertThat(deploy.exit()).as(deploy.err()).isEqualTo(EtcdOptions.UNREACHABLE);
        assertThat(deploy.err()).endsWith("; nothing deployed\n");
        String line = deploy.err().strip();
        assertThat(line).doesNotContain("\n", "Exception", "Channel Pipeline").doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Z]");
        return line;
    }

    @Test
    void withTheCaAndAClientCertificateADeployGoesThrough() {
        Outcome deploy = deploy(etcd, "web1", credentials("ca.pem"));

        assertThat(deploy.exit()).as(deploy.err()).isZero();
        assertThat(etcd.endpoint().getScheme()).isEqualTo("https");
    }

    @Test
    void withoutAClientCertificateTheDeploySaysEtcdWantsOne() {
        Outcome deploy = deploy(etcd, "web2", List.of("--etcd-cacert=" + dir.resolve("ca.pem")));

        assertThat(oneLineFailure(deploy)).contains("etcd at " + etcd.endpoint()
                + ": TLS handshake failed: etcd wants a client certificate: give --etcd-cert and --etcd-key");
    }

    @Test
    void aCaThatDidNotSignTheServersCertificateIsNamed() {
        Outcome deploy = deploy(etcd, "web3", credentials("other-ca.pem"));

        assertThat(oneLineFailure(deploy)).contains("TLS handshake failed: the server's certificate is signed by an "
                + "unknown CA (check --etcd-cacert: " + dir.resolve("other-ca.pem") + " does not hold the CA that signed it)");
    }

    @Test
    void anExpiredServerCertificateIsNamedWithItsEnd() {
        Outcome deploy = deploy(expired, "web4", credentials("ca.pem"));

        assertThat(oneLineFailure(deploy)).contains("etcd at " + expired.endpoint()
                + ": TLS handshake failed: the server's certificate has expired (notAfter 2025-01-02T00:00:00Z): renew it");
    }

    @Test
    void aServerCertificateForAnotherHostNamesTheHostConnectedTo() {
        Outcome deploy = deploy(otherHost, "web5", credentials("ca.pem"));

        assertThat(oneLineFailure(deploy)).contains("TLS handshake failed: the server's certificate is not for 127.0.0.1 "
                + "(no subject alternative name matches it)");
    }

    @Test
    void aRunWithoutAClientCertificateSaysWhyOnceAndWaits() throws Exception {
        AgentProcess run = AgentProcess.start(dir, "run", "--etcd=" + etcd.endpoint(), "--hostname=web6",
                "--etcd-cacert=" + dir.resolve("ca.pem"), "--converged-timeout=0");
        try {
            await().atMost(WAIT).until(() -> run.stderrSoFar().contains("is unreachable"));
        } finally {
            run.process().destroy();
        }
        String log = run.await(WAIT).stderr();
        assertThat(log.lines().filter(l -> l.contains("is unreachable"))).singleElement().asString()
                .endsWith("warning: etcd at " + etcd.endpoint() + " is unreachable: TLS handshake failed: etcd wants a "
                        + "client certificate: give --etcd-cert and --etcd-key (etcd alert bad_certificate); the agent has "
                        + "no graph yet and retries");
    }

    @Test
    void aRunOverTlsWithJsonLogsWritesNothingButJsonOnStderr() throws Exception {
        assertThat(deploy(etcd, "web7", credentials("ca.pem")).exit()).isZero();
        var args = new ArrayList<>(List.of("run", "--etcd=" + etcd.endpoint(), "--hostname=web7",
                "--converged-timeout=0", "--log-format=json"));
        args.addAll(credentials("ca.pem"));

        AgentProcess.Result run = AgentProcess.start(dir, args.toArray(String[]::new)).await(WAIT);

        assertThat(run.exit()).as(run.stderr()).isZero();
        var json = new ObjectMapper();
        List<String> lines = run.stderr().lines().toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            JsonNode event = json.readTree(line);
            assertThat(event.isObject()).as(line).isTrue();
            assertThat(event.path("level").asText()).as(line).isIn("INFO", "DEBUG");
        }
        assertThat(run.stderr()).contains("converged for 0 s");
    }

    @Test
    void evenWithoutNativeAccessAStatusOverTlsPrintsNoJdkWarning() throws Exception {
        var args = new ArrayList<>(List.of("status", "--etcd=" + etcd.endpoint()));
        args.addAll(credentials("ca.pem"));

        AgentProcess.Result status = AgentProcess.start(dir, false, List.of(), args.toArray(String[]::new)).await(WAIT);

        assertThat(status.exit()).as("reached etcd: %s", status.stderr()).isIn(Main.OK, Main.FAILED);
        assertThat(status.stderr()).as("netty looks for no OpenSSL library: no restricted call").isEmpty();
    }
}
