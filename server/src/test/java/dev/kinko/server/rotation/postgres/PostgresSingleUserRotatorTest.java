package dev.kinko.server.rotation.postgres;

import static dev.kinko.server.rotation.postgres.PostgresTestServer.identifier;
import static dev.kinko.server.rotation.postgres.PostgresTestServer.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.rotation.RotationContext;
import dev.kinko.server.rotation.RotationContexts;
import dev.kinko.server.rotation.RotationException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresSingleUserRotatorTest {
    /** SQLSTATE invalid_password: the server refused the password. */
    private static final String INVALID_PASSWORD = "28P01";
    private static PostgresTestServer pg;
    private final PostgresSingleUserRotator rotator = new PostgresSingleUserRotator();

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresTestServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void rotatesThePasswordAndTheServerRefusesTheOldOne() throws Exception {
        createRole("app", "pw1");
        String current = pg.secret("app", "pw1");

        String pending = rotator.newValue(RotationContexts.of(current, null));
        RotationContext context = RotationContexts.of(current, pending);
        rotator.setSecret(context);
        rotator.testSecret(context);
        rotator.finishSecret(context);

        String newPassword = PostgresSecret.parse(pending, "PENDING").password();
        assertThat(newPassword).isNotEqualTo("pw1");
        assertThat(pg.loginError("app", newPassword)).isNull();
        assertThat(pg.loginError("app", "pw1")).as("the old password").isEqualTo(INVALID_PASSWORD);
        // the rest of the value is kept
        assertThat(pending).isEqualTo(current.replace("\"pw1\"", "\"" + newPassword + "\""));
    }

    @Test
    void newPasswordsNeverHoldAForbiddenCharacter() throws Exception {
        String current = pg.secret("app", "pw1");
        for (int i = 0; i < 2_000; i++) {
            String password = PostgresSecret.parse(rotator.newValue(RotationContexts.of(current, null)), "PENDING")
                    .password();
            assertThat(password.chars()).noneMatch(c -> PostgresSingleUserRotator.FORBIDDEN.indexOf(c) >= 0);
        }
    }

    @Test
    void setSecretAgainAfterTheDatabaseChangedIsANoOp() throws Exception {
        createRole("again", "pw1");
        String current = pg.secret("again", "pw1");
        String pending = rotator.newValue(RotationContexts.of(current, null));
        RotationContext context = RotationContexts.of(current, pending);
        rotator.setSecret(context);

        // a leader change before the labels moved: the step runs again
        rotator.setSecret(context);
        rotator.testSecret(context);
        assertThat(pg.loginError("again", PostgresSecret.parse(pending, "PENDING").password())).isNull();
    }

    @Test
    void recoversWhenTheDatabaseHoldsAnEarlierAttemptsPassword() throws Exception {
        String earlier = pg.secret("recover", "attempt-1-pw");
        createRole("recover", "attempt-1-pw"); // attempt 1 set its password, then failed before the labels moved
        String current = pg.secret("recover", "pw1");
        String pending = rotator.newValue(RotationContexts.of(current, null));
        RotationContext context = RotationContexts.of(current, pending, null, List.of(earlier), id -> Optional.empty());

        rotator.setSecret(context);
        rotator.testSecret(context);
        assertThat(pg.loginError("recover", PostgresSecret.parse(pending, "PENDING").password())).isNull();
    }

    @Test
    void recoversWithPrevious() throws Exception {
        createRole("prev", "prev-pw");
        String current = pg.secret("prev", "pw1");
        String pending = rotator.newValue(RotationContexts.of(current, null));
        RotationContext context = RotationContexts.of(current, pending, pg.secret("prev", "prev-pw"), List.of(),
                id -> Optional.empty());

        rotator.setSecret(context);
        assertThat(pg.loginError("prev", PostgresSecret.parse(pending, "PENDING").password())).isNull();
    }

    @Test
    void failsWithoutPasswordsWhenNothingLogsIn() throws Exception {
        createRole("locked", "the-real-pw");
        String current = pg.secret("locked", "wrong-current");
        String pending = pg.secret("locked", "wrong-pending");
        RotationContext context = RotationContexts.of(current, pending, pg.secret("locked", "wrong-previous"),
                List.of(pg.secret("locked", "wrong-earlier")), id -> Optional.empty());

        assertThatThrownBy(() -> rotator.setSecret(context)).isInstanceOf(RotationException.class)
                .hasMessage("setSecret: none of PENDING, CURRENT, PREVIOUS or an earlier attempt's password logs in"
                        + " as user locked");
        assertThatThrownBy(() -> rotator.testSecret(context)).isInstanceOf(RotationException.class)
                .hasMessageContaining("PENDING does not log in as user locked")
                .satisfies(e -> assertNoPassword(e.getMessage()));
        assertThat(pg.loginError("locked", "the-real-pw")).isNull();
    }

    @Test
    void quotesUserNamesAndPasswords() throws Exception {
        for (String user : new String[] {"app\"user", "MixedCase", "with space", "semi;colon'"}) {
            createRole(user, "it's \\ \"odd\"");
            String current = pg.secret(user, "it's \\ \"odd\"");
            String pending = rotator.newValue(RotationContexts.of(current, null));
            RotationContext context = RotationContexts.of(current, pending);
            rotator.checkSetup(context);
            rotator.setSecret(context);
            rotator.testSecret(context);
            assertThat(pg.loginError(user, PostgresSecret.parse(pending, "PENDING").password())).as(user).isNull();
            assertThat(pg.loginError(user, "it's \\ \"odd\"")).as(user).isEqualTo(INVALID_PASSWORD);
        }
    }

    @Test
    void checkSetupFailsClearlyWithAWrongPassword() throws Exception {
        createRole("setup", "right-pw");
        rotator.checkSetup(RotationContexts.of(pg.secret("setup", "right-pw"), null));

        assertThatThrownBy(() -> rotator.checkSetup(RotationContexts.of(pg.secret("setup", "wrong-pw"), null)))
                .isInstanceOf(RotationException.class)
                .hasMessageStartingWith("checkSetup: CURRENT does not log in as user setup on localhost:")
                .satisfies(e -> assertNoPassword(e.getMessage()));
    }

    @Test
    void refusesAPendingForAnotherUserOrServer() throws Exception {
        String current = pg.secret("app", "pw1");
        for (String pending : new String[] {pg.secret("other", "x"), current.replace("localhost", "127.0.0.1")}) {
            assertThatThrownBy(() -> rotator.setSecret(RotationContexts.of(current, pending)))
                    .isInstanceOf(RotationException.class).hasMessageContaining("must name the same user and server");
        }
    }

    @Test
    void anUnreachableServerIsNotARefusedLogin() throws Exception {
        String current = "{\"host\":\"localhost\",\"port\":1,\"username\":\"app\",\"password\":\"pw1\"}";
        assertThatThrownBy(() -> rotator.checkSetup(RotationContexts.of(current, null)))
                .isInstanceOf(RotationException.class)
                .hasMessageStartingWith("checkSetup: cannot connect to localhost:1/postgres as user app (SQLState 08")
                .satisfies(e -> assertNoPassword(e.getMessage()));
    }

    private static void createRole(String user, String password) throws Exception {
        pg.sql("CREATE ROLE " + identifier(user) + " LOGIN PASSWORD " + literal(password));
    }

    private static void assertNoPassword(String message) {
        assertThat(message).doesNotContain("pw", "odd");
    }
}
