package dev.kinko.client;

import dev.kinko.server.rotation.postgres.PostgresTestServer;
import static dev.kinko.server.rotation.postgres.PostgresTestServer.INVALID_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.client.jdbc.SecretDataSource;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that connects to PostgreSQL through {@link SecretCache} and
 * {@link SecretDataSource} while the region's built-in PostgreSQL rotators rotate its secret:
 * a real 3-node region, a real PostgreSQL (scram-sha-256, so an old password is refused).
 */
class RotationJdbcTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String GET = "GetSecretValue";

    @TempDir
    static Path dir;
    static TestRegion region;
    /** The operator's client: creates, rotates and describes secrets. */
    static KinkoClient kinko;
    PostgresTestServer pg;

    @BeforeAll
    static void startRegion() {
        region = TestRegion.start("kyoto", dir);
        kinko = client(new CallCounter());
    }

    @AfterAll
    static void stopRegion() {
        kinko.close();
        region.close();
    }

    @BeforeEach
    void startPostgres() throws IOException {
        pg = PostgresTestServer.start(); // one per test: the tests use the same role names
    }

    @AfterEach
    void stopPostgres() throws IOException {
        pg.close();
    }

    static KinkoClient client(CallCounter calls) {
        return KinkoClient.builder().addresses(region.addresses()).tls(region.caFile()).token(region.rootToken())
                .interceptor(calls).build();
    }

    @Test
    void afterASingleUserRotationTheNextConnectRefreshesTheSecretAndLogsIn() throws Exception {
        pg.sql("CREATE ROLE app LOGIN PASSWORD 'p1'");
        String original = pg.secret("app", "p1");
        create("db/single", original);
        CallCounter calls = new CallCounter();
        try (KinkoClient app = client(calls)) {
            SecretCache cache = new SecretCache(app);
            SecretDataSource db = SecretDataSource.builder(cache, "db/single").build();
            assertThat(currentUser(db)).isEqualTo("app");

            String version = rotate("db/single", "postgresql-single-user");
            awaitRotated("db/single", version);
            assertThat(pg.loginError("app", "p1")).as("the old password is refused").isEqualTo(INVALID_PASSWORD);
            int reads = calls.count(GET);
            assertThat(cache.getSecretString("db/single")).as("the cache still holds the old value").isEqualTo(original);
            assertThat(calls.count(GET)).isEqualTo(reads);

            // refused with p1: the data source reads the secret again and logs in with the new password
            assertThat(currentUser(db)).isEqualTo("app");
            assertThat(db.refreshesAfterRefusal()).isEqualTo(1);
            assertThat(calls.count(GET)).isEqualTo(reads + 1);
            String rotated = cache.getSecretString("db/single");
            assertThat(rotated).isEqualTo(current("db/single"));
            assertThat(field(rotated, "username")).isEqualTo("app");
            assertThat(field(rotated, "password")).isNotEqualTo("p1");
            assertThat(pg.loginError("app", field(rotated, "password"))).isNull();
        }
    }

    @Test
    void alternatingUsersKeepTheOldLoginWorkingAndComeBackToTheUserWithANewPassword() throws Exception {
        pg.sql("CREATE ROLE app LOGIN PASSWORD 'p1'");
        // the bootstrap superuser: trusted by this pg_hba, so its password is not checked
        create("db/master", pg.secret(PostgresTestServer.SUPERUSER, "ignored-by-trust"));
        String first = pg.secret("app", "p1", ",\"master_secret\":\"db/master\"");
        create("db/alt", first);
        try (KinkoClient app = client(new CallCounter())) {
            SecretCache cache = new SecretCache(app);
            SecretDataSource db = SecretDataSource.builder(cache, "db/alt").build();
            assertThat(currentUser(db)).isEqualTo("app");

            // first rotation: app_clone (a member of app) gets a new password; app keeps p1
            awaitRotated("db/alt", rotate("db/alt", "postgresql-alternating-users"));
            String second = current("db/alt");
            assertThat(field(second, "username")).isEqualTo("app_clone");
            assertThat(field(second, "master_secret")).isEqualTo("db/master");
            String clonePassword = field(second, "password");
            assertThat(pg.loginError("app", "p1")).isNull();
            assertThat(pg.loginError("app_clone", clonePassword)).isNull();
            assertThat(currentUser(db)).as("the cached app/p1 still logs in").isEqualTo("app");
            assertThat(db.refreshesAfterRefusal()).isZero();
            assertThat(cache.getSecretString("db/alt")).isEqualTo(first);

            // second rotation: back to app, with a new password; the clone keeps its own
            awaitRotated("db/alt", rotate("db/alt", "postgresql-alternating-users"));
            String third = current("db/alt");
            assertThat(field(third, "username")).isEqualTo("app");
            String appPassword = field(third, "password");
            assertThat(appPassword).isNotEqualTo("p1").isNotEqualTo(clonePassword);
            assertThat(pg.loginError("app", appPassword)).isNull();
            assertThat(pg.loginError("app", "p1")).isEqualTo(INVALID_PASSWORD);
            assertThat(pg.loginError("app_clone", clonePassword)).as("the clone still logs in").isNull();

            // the cache's app/p1 is refused now: one refresh, then app with its new password
            assertThat(currentUser(db)).isEqualTo("app");
            assertThat(db.refreshesAfterRefusal()).isEqualTo(1);
            assertThat(cache.getSecretString("db/alt")).isEqualTo(third);
        }
    }

    @Test
    void aRefusalAfterTheRefreshAndOtherFailuresAreThrownAsTheDriverThrewThem() throws Exception {
        pg.sql("CREATE ROLE app LOGIN PASSWORD 'right'");
        create("db/wrong", pg.secret("app", "wrong-secret-pw"));
        try (KinkoClient app = client(new CallCounter())) {
            SecretCache cache = new SecretCache(app);

            // refused, refreshed (same value), refused again: the second refusal, once
            SecretDataSource wrong = SecretDataSource.builder(cache, "db/wrong").build();
            assertThatThrownBy(wrong::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageNotContaining("wrong-secret-pw")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(INVALID_PASSWORD));
            assertThat(wrong.refreshesAfterRefusal()).isEqualTo(1);

            // a caller's URL: only the user name and password come from the secret
            put("db/wrong", pg.secret("app", "right"));
            SecretDataSource ownUrl = SecretDataSource.builder(cache, "db/wrong")
                    .url("jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres").build();
            assertThat(currentUser(ownUrl)).as("refused with the cached value, then refreshed").isEqualTo("app");

            // not an authentication failure: no refresh, the driver's exception as is
            Properties quick = new Properties();
            quick.setProperty("connectTimeout", "2");
            SecretDataSource nowhere = SecretDataSource.builder(cache, "db/wrong")
                    .url("jdbc:postgresql://127.0.0.1:1/postgres").properties(quick).build();
            assertThatThrownBy(nowhere::getConnection).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
            assertThat(nowhere.refreshesAfterRefusal()).isZero();

            // a secret that is not a database secret: named, no value quoted
            create("db/not-json", "not-json-but-a-password");
            assertThatThrownBy(() -> SecretDataSource.builder(cache, "db/not-json").build().getConnection())
                    .isInstanceOf(SQLException.class).hasMessageContaining("db/not-json")
                    .hasMessageNotContaining("not-json-but-a-password");
            create("db/no-host", "{\"username\":\"app\",\"password\":\"pw-no-host\"}");
            assertThatThrownBy(() -> SecretDataSource.builder(cache, "db/no-host").build().getConnection())
                    .isInstanceOf(SQLException.class).hasMessageContaining("\"host\"")
                    .hasMessageNotContaining("pw-no-host");
            create("db/bad-host", pg.secret("app", "pw-bad-host").replace("\"localhost\"", "\"h/x?socketFactory=y\""));
            assertThatThrownBy(() -> SecretDataSource.builder(cache, "db/bad-host").build().getConnection())
                    .isInstanceOf(SQLException.class).hasMessageContaining("not a host name");
            // a secret that does not exist: the client's exception as the cause
            assertThatThrownBy(() -> SecretDataSource.builder(cache, "db/missing").build().getConnection())
                    .isInstanceOf(SQLException.class).hasCauseInstanceOf(SecretNotFoundException.class);
        }
    }

    // --- helpers --------------------------------------------------------------------------

    static void create(String name, String value) {
        kinko.createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString(value).build());
    }

    static void put(String name, String value) {
        kinko.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name).setSecretString(value).build());
    }

    /** Starts a rotation now (rotate_immediately is true by default); returns the version it makes. */
    static String rotate(String name, String rotator) {
        return kinko.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name).setRotator(rotator).build())
                .getVersionId();
    }

    /** Waits until the rotation that makes {@code version} is done: it is CURRENT, nothing rotates. */
    static void awaitRotated(String name, String version) {
        assertThat(version).isNotEmpty();
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100)).until(() -> {
            SecretMetadata s = describe(name);
            RotationInfo r = s.getRotation();
            if (r.getFailed()) {
                throw new AssertionError("rotation of " + name + " failed: " + r.getLastError());
            }
            return r.getRotatingVersionId().isEmpty() && r.hasLastRotatedDate()
                    && stages(s, version).contains("CURRENT");
        });
    }

    static SecretMetadata describe(String name) {
        return kinko.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name).build()).getSecret();
    }

    static List<String> stages(SecretMetadata secret, String versionId) {
        return secret.getVersionsList().stream().filter(v -> v.getVersionId().equals(versionId)).findFirst()
                .<List<String>>map(SecretVersionInfo::getVersionStagesList).orElse(List.of());
    }

    static String current(String name) {
        return kinko.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build()).getSecretString();
    }

    static String field(String json, String field) throws IOException {
        JsonNode node = JSON.readTree(json).get(field);
        return node == null ? null : node.asText();
    }

    /** Connects through the data source as the application would and asks who it is. */
    static String currentUser(SecretDataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
