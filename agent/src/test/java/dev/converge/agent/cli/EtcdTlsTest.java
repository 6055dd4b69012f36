package dev.converge.agent.cli;

import static dev.converge.agent.cli.DeployCommandTest.agent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.cli.DeployCommandTest.Outcome;
import dev.converge.agent.etcd.EtcdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd serving TLS with client-certificate auth, certificates made by openssl for the test. */
class EtcdTlsTest {

    @TempDir
    static Path dir;

    static EtcdServer etcd;
    static Path graph;

    private static void openssl(String... args) throws IOException, InterruptedException {
        var command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** A key (PKCS#8 PEM) and a certificate signed by the test CA. */
    private static void signed(String name, String subject, String extensions) throws Exception {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", subject);
        Files.writeString(dir.resolve(name + ".ext"), extensions);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "1", "-extfile", name + ".ext");
    }

    @BeforeAll
    static void startTlsEtcd() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
                "-subj", "/CN=converge test CA");
        signed("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        signed("client", "/CN=web1", "extendedKeyUsage=clientAuth\n");
        etcd = EtcdServer.startTls(dir.resolve("etcd"),
                new EtcdServer.Tls(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key")));
        graph = Files.writeString(dir.resolve("g.yaml"), "graph: g\nresources:\n  noop:\n  - name: n\n");
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        etcd.close();
    }

    @Test
    void withTheCaAndAClientCertificateADeployGoesThrough() {
        Outcome deploy = agent("deploy", "--file=" + graph, "--etcd=" + etcd.endpoint(), "--host=web1",
                "--etcd-cacert=" + dir.resolve("ca.pem"), "--etcd-cert=" + dir.resolve("client.pem"),
                "--etcd-key=" + dir.resolve("client.key"));

        assertThat(deploy.exit()).as(deploy.err()).isZero();
        assertThat(etcd.endpoint().getScheme()).isEqualTo("https");
    }

    @Test
    void withoutAClientCertificateTheDeployFailsWithinTheDeadline() {
        Outcome deploy = agent("deploy", "--file=" + graph, "--etcd=" + etcd.endpoint(), "--host=web2",
                "--etcd-cacert=" + dir.resolve("ca.pem"), "--etcd-timeout=2s");

        assertThat(deploy.exit()).isNotZero();
        assertThat(deploy.err()).contains("nothing deployed");
    }
}
