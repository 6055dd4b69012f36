package dev.converge.resources.posix;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link Platform} accepts, and what it says to the rest. */
class PlatformTest {

    @Test
    void linuxOnX86AndArmIsAccepted() {
        assertThat(Platform.unsupported("Linux", "amd64")).isEmpty();
        assertThat(Platform.unsupported("Linux", "aarch64")).isEmpty();
    }

    @Test
    void anotherSystemOrMachineIsNamedInTheError() {
        assertThat(Platform.unsupported("Mac OS X", "aarch64")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("converge needs Linux").endsWith("this is Mac OS X"));
        assertThat(Platform.unsupported("Linux", "riscv64")).hasValueSatisfying(m -> assertThat(m)
                .endsWith("this machine is riscv64"));
    }

    @Test
    void thisMachineRunsTheAgent() {
        assertThat(Platform.unsupported()).as("the tests run on Linux with glibc 2.34 or later").isEmpty();
    }
}
