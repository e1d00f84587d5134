package dev.kinko.server.rotation.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.rotation.RotationContext;
import dev.kinko.server.rotation.RotationContexts;
import dev.kinko.server.rotation.RotationException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresAlternatingUsersRotatorTest {
    /** SQLSTATE invalid_password: the server refused the password. */
    private static final String INVALID_PASSWORD = "28P01";
    private static final String MASTER_ARN = "arn:kinko:secretsmanager:tokyo:000000000000:secret:pg-master";
    private static final String MASTER_NAME = "pg-master";
    private static PostgresTestServer pg;
    private static RotationContext.SecretLookup lookup;
    private final PostgresAlternatingUsersRotator rotator = new PostgresAlternatingUsersRotator();

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresTestServer.start();
        // a superuser that logs in with a password, as an RDS master user does
        pg.sql("CREATE ROLE master WITH SUPERUSER LOGIN PASSWORD 'master-pw'");
        String master = pg.secret("master", "master-pw");
        Map<String, String> secrets = Map.of(MASTER_ARN, master, MASTER_NAME, master);
        lookup = id -> Optional.ofNullable(secrets.get(id));
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void alternatesBetweenTheUserAndItsClone() throws Exception {
        pg.sql("CREATE ROLE app LOGIN PASSWORD 'pw1'",
                "CREATE TABLE app_data (v text)", "INSERT INTO app_data VALUES ('hello')",
                "GRANT SELECT ON app_data TO app");
        String first = pg.secret("app", "pw1", ",\"masterarn\":\"" + MASTER_ARN + "\"");

        // first rotation: app_clone is created with the new password, as a member of app
        String second = rotate(first, null);
        PostgresSecret clone = PostgresSecret.parse(second, "PENDING");
        assertThat(clone.username()).isEqualTo("app_clone");
        assertThat(clone.masterSecretId()).contains(MASTER_ARN);
        assertThat(pg.loginError("app", "pw1")).as("the old user keeps its password").isNull();
        assertThat(pg.queryAs("app_clone", clone.password(), "SELECT v FROM app_data")).isEqualTo("hello");
        assertThat(pg.queryAs("master", "master-pw", "SELECT pg_has_role('app_clone', 'app', 'MEMBER')"))
                .isEqualTo("t");

        // second rotation: back to app, whose password alone changes
        String third = rotate(second, first);
        PostgresSecret app = PostgresSecret.parse(third, "PENDING");
        assertThat(app.username()).isEqualTo("app");
        assertThat(app.password()).isNotEqualTo("pw1");
        assertThat(pg.loginError("app", app.password())).isNull();
        assertThat(pg.loginError("app", "pw1")).isEqualTo(INVALID_PASSWORD);
        assertThat(pg.loginError("app_clone", clone.password())).as("the clone keeps its password").isNull();

        // third rotation: the clone exists, so only its password changes
        String fourth = rotate(third, second);
        PostgresSecret clone2 = PostgresSecret.parse(fourth, "PENDING");
        assertThat(clone2.username()).isEqualTo("app_clone");
        assertThat(pg.loginError("app_clone", clone2.password())).isNull();
        assertThat(pg.loginError("app_clone", clone.password())).isEqualTo(INVALID_PASSWORD);
        assertThat(pg.loginError("app", app.password())).isNull();
        assertThat(pg.queryAs("app_clone", clone2.password(), "SELECT v FROM app_data")).isEqualTo("hello");
    }

    @Test
    void setSecretAgainIsANoOpAndTheMasterCanBeNamedByName() throws Exception {
        pg.sql("CREATE ROLE svc LOGIN PASSWORD 'svc-pw'");
        String current = pg.secret("svc", "svc-pw", ",\"master_secret\":\"" + MASTER_NAME + "\"");
        String pending = rotator.newValue(context(current, null, null));
        RotationContext context = context(current, pending, null);
        rotator.checkSetup(context);
        rotator.setSecret(context);
        rotator.setSecret(context);
        rotator.testSecret(context);
        assertThat(pg.loginError("svc_clone", PostgresSecret.parse(pending, "PENDING").password())).isNull();
    }

    @Test
    void refusesClearlyWithoutAMasterSecret() {
        String current = pg.secret("nomaster", "pw1");
        String pending = pg.secret("nomaster_clone", "pw2");
        String expected = "CURRENT names no master secret: postgresql-alternating-users needs \"masterarn\"";
        assertThatThrownBy(() -> rotator.newValue(context(current, null, null)))
                .isInstanceOf(RotationException.class).hasMessage("createSecret: " + expectedMessage(expected));
        assertThatThrownBy(() -> rotator.setSecret(context(current, pending, null)))
                .isInstanceOf(RotationException.class).hasMessageStartingWith("setSecret: " + expected);
        assertThatThrownBy(() -> rotator.checkSetup(context(current, null, null)))
                .isInstanceOf(RotationException.class).hasMessageStartingWith("checkSetup: " + expected);

        String unknown = pg.secret("nomaster", "pw1", ",\"masterarn\":\"arn:kinko:secretsmanager:x:0:secret:gone\"");
        assertThatThrownBy(() -> rotator.checkSetup(context(unknown, null, null)))
                .isInstanceOf(RotationException.class)
                .hasMessage("checkSetup: the master secret arn:kinko:secretsmanager:x:0:secret:gone does not exist or"
                        + " has no CURRENT value");
    }

    @Test
    void theMastersPasswordGoesOnlyToTheMastersOwnServer() {
        String current = pg.secret("elsewhere", "pw1", ",\"master_secret\":\"m\"");
        String master = pg.secret("postgres", "master-pw").replace("\"host\":\"localhost\"", "\"host\":\"db.other\"");
        RotationContext context = RotationContexts.of(current, null, null, List.of(), id -> Optional.of(master));
        assertThatThrownBy(() -> rotator.checkSetup(context)).isInstanceOf(RotationException.class)
                .hasMessageContaining("is for db.other:" + pg.port() + ", not CURRENT's server localhost:" + pg.port())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("master-pw"));
    }

    @Test
    void checkSetupRefusesAMasterThatDoesNotLogIn() {
        String current = pg.secret("wrongmaster", "pw1", ",\"master_secret\":\"bad-master\"");
        RotationContext context = RotationContexts.of(current, null, null, List.of(),
                id -> Optional.of(pg.secret("master", "not-the-master-pw")));
        assertThatThrownBy(() -> rotator.checkSetup(context)).isInstanceOf(RotationException.class)
                .hasMessageStartingWith("checkSetup: the master secret bad-master does not log in as user master")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw"));
    }

    @Test
    void alternatesNames() {
        assertThat(PostgresAlternatingUsersRotator.alternate("app")).isEqualTo("app_clone");
        assertThat(PostgresAlternatingUsersRotator.alternate("app_clone")).isEqualTo("app");
        assertThat(PostgresAlternatingUsersRotator.alternate("_clone")).isEqualTo("_clone_clone");
    }

    /** One whole rotation from {@code current}; returns the new value (PENDING, then CURRENT). */
    private String rotate(String current, String previous) throws Exception {
        String pending = rotator.newValue(context(current, null, previous));
        RotationContext context = context(current, pending, previous);
        rotator.setSecret(context);
        rotator.testSecret(context);
        rotator.finishSecret(context);
        return pending;
    }

    private static RotationContext context(String current, String pending, String previous) {
        return RotationContexts.of(current, pending, previous, List.of(), lookup);
    }

    private static String expectedMessage(String start) {
        return start + " (an ARN) or \"master_secret\" (a name) of a secret whose user may create roles";
    }
}
