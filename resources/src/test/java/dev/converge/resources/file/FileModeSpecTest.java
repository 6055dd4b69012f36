package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link ModeSpec}: octal and chmod's symbolic modes. */
class FileModeSpecTest {

    private static int apply(String spec, int current) {
        return ModeSpec.parse(spec).apply(current, false);
    }

    @Test
    void octalSetsTheModeOutright() {
        assertThat(apply("0644", 0777)).isEqualTo(0644);
        assertThat(apply("644", 0)).isEqualTo(0644);
        assertThat(apply("1777", 0)).isEqualTo(01777);
        assertThat(apply("04755", 0)).isEqualTo(04755);
        assertThat(ModeSpec.parse("0600").forNew(false)).isEqualTo(0600);
    }

    @Test
    void assignmentReplacesTheNamedClasses() {
        assertThat(apply("u=rw,go=r", 0777)).isEqualTo(0644);
        assertThat(apply("go=", 0755)).isEqualTo(0700);
        assertThat(apply("a=r", 04777)).isEqualTo(0444);
    }

    @Test
    void plusAndMinusAdjustTheCurrentMode() {
        assertThat(apply("a+x", 0644)).isEqualTo(0755);
        assertThat(apply("+x", 0644)).as("no who letters means a").isEqualTo(0755);
        assertThat(apply("u+rwx,g-w", 0664)).isEqualTo(0744);
        assertThat(apply("o-rwx", 0777)).isEqualTo(0770);
        assertThat(apply("u+r-w", 0600)).as("several operators in one clause").isEqualTo(0400);
    }

    @Test
    void specialBits() {
        assertThat(apply("u+s", 0755)).isEqualTo(04755);
        assertThat(apply("g+s", 0755)).isEqualTo(02755);
        assertThat(apply("+t", 0777)).isEqualTo(01777);
        assertThat(apply("o+s", 0755)).as("o has no set-id bit").isEqualTo(0755);
    }

    @Test
    void capitalXAddsExecuteOnlyToDirectoriesAndExecutables() {
        assertThat(ModeSpec.parse("a+X").apply(0644, false)).isEqualTo(0644);
        assertThat(ModeSpec.parse("a+X").apply(0744, false)).isEqualTo(0755);
        assertThat(ModeSpec.parse("a+X").apply(0600, true)).isEqualTo(0711);
    }

    @Test
    void newPathsStartFrom0666Or0777() {
        assertThat(ModeSpec.parse("go-w").forNew(false)).isEqualTo(0644);
        assertThat(ModeSpec.parse("go-w").forNew(true)).isEqualTo(0755);
        assertThat(ModeSpec.parse("a+x").forNew(false)).isEqualTo(0777);
    }

    @Test
    void malformedModesAreRejected() {
        for (String bad : new String[] {"", "9", "0844", "77777", "u", "u=rw,", "x+r", "u=rwz", "rw-r--r--"}) {
            assertThatThrownBy(() -> ModeSpec.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
