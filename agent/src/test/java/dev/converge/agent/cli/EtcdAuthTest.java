package dev.converge.agent.cli;

import static dev.converge.agent.cli.DeployCommandTest.agent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.cli.DeployCommandTest.Outcome;
import dev.converge.agent.etcd.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd with authentication enabled: the user and password file are used, and their absence is a clear error. */
class EtcdAuthTest {

    @TempDir
    static Path dir;

    static EtcdServer etcd;
    static Path passwordFile;
    static Path graph;

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void startEtcdWithAuth() throws Exception {
        etcd = EtcdServer.start(dir.resolve("etcd"));
        try (Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
            var auth = admin.getAuthClient();
            auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes("root"), bytes("s3cret")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
        passwordFile = Files.writeString(dir.resolve("password"), "s3cret\n");
        graph = Files.writeString(dir.resolve("g.yaml"), "graph: g\nresources:\n  noop:\n  - name: n\n");
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        etcd.close();
    }

    @Test
    void aDeployWithTheUserAndPasswordFileIsWrittenAndStatusReadsIt() {
        Outcome deploy = agent("deploy", "--file=" + graph, "--etcd=" + etcd.endpoint(), "--host=web1",
                "--etcd-user=root", "--etcd-password-file=" + passwordFile);
        assertThat(deploy.exit()).as(deploy.err()).isZero();

        Outcome status = agent("status", "--etcd=" + etcd.endpoint(), "--etcd-user=root",
                "--etcd-password-file=" + passwordFile);
        assertThat(status.exit()).as("no host has reported yet: not all converged").isEqualTo(1);
        assertThat(status.err()).doesNotContain("unavailable");
    }

    @Test
    void withoutCredentialsEtcdRefusesAndTheErrorSaysSo() {
        Outcome deploy = agent("deploy", "--file=" + graph, "--etcd=" + etcd.endpoint(), "--host=web2");

        assertThat(deploy.exit()).isNotZero();
        assertThat(deploy.err().toLowerCase()).containsAnyOf("permission denied", "user name is empty", "auth");
    }

    @Test
    void aWrongPasswordIsRefused() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong"), "nope\n");
        Outcome deploy = agent("deploy", "--file=" + graph, "--etcd=" + etcd.endpoint(), "--host=web3",
                "--etcd-user=root", "--etcd-password-file=" + wrong);

        assertThat(deploy.exit()).isNotZero();
        assertThat(deploy.err()).containsIgnoringCase("refused: unauthenticated (check --etcd-user, its password")
                .contains("nothing deployed");
    }
}
