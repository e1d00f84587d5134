package dev.kinko.server.rotation.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.rotation.RotationException;
import org.junit.jupiter.api.Test;

class PostgresSecretTest {
    private static final String SECRET = "{\"engine\":\"postgres\",\"host\":\"db.example\",\"port\":\"6432\","
            + "\"username\":\"app\",\"password\":\"s3cret\",\"dbname\":\"orders\",\"extra\":[1]}";

    @Test
    void parsesAwsShapedSecrets() throws Exception {
        PostgresSecret s = PostgresSecret.parse(SECRET, "CURRENT");
        assertThat(s.host()).isEqualTo("db.example");
        assertThat(s.port()).isEqualTo(6432);
        assertThat(s.dbname()).isEqualTo("orders");
        assertThat(s.username()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("s3cret");
        assertThat(s.masterSecretId()).isEmpty();
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6432/orders");
        assertThat(s.connectionProperties()).containsEntry("user", "app").containsEntry("password", "s3cret")
                .containsEntry("connectTimeout", "10").containsEntry("loginTimeout", "10");
        assertThat(s.toString()).doesNotContain("s3cret");

        PostgresSecret d = PostgresSecret.parse(
                "{\"engine\":\"postgresql\",\"host\":\"::1\",\"port\":5433,\"username\":\"u\",\"password\":\"p\","
                        + "\"masterarn\":\"arn:aws:secretsmanager:eu-west-1:123:secret:m\"}", "CURRENT");
        assertThat(d.dbname()).isEqualTo("postgres");
        assertThat(d.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/postgres");
        assertThat(d.masterSecretId()).contains("arn:aws:secretsmanager:eu-west-1:123:secret:m");
        assertThat(PostgresSecret.parse("{\"host\":\"h\",\"username\":\"u\",\"password\":\"p\"}", "X").port())
                .isEqualTo(5432);
    }

    @Test
    void replacesFieldsKeepingTheOthers() throws Exception {
        PostgresSecret s = PostgresSecret.parse(SECRET, "CURRENT");
        assertThat(s.withPassword("n3w")).isEqualTo(SECRET.replace("s3cret", "n3w"));
        assertThat(s.withUsername("app_clone")).isEqualTo(SECRET.replace("\"app\"", "\"app_clone\""));
        assertThat(s.withLogin("b", "c")).isEqualTo(SECRET.replace("\"app\"", "\"b\"").replace("s3cret", "c"));
    }

    @Test
    void namesTheBadFieldAndNeverThePassword() {
        String[][] cases = {
                {null, "the secret has no CURRENT value"},
                {"s3cret", "CURRENT: the value is not a JSON object"},
                {"{\"password\":\"s3cret\",", "CURRENT: the value is not a JSON object"},
                {SECRET.replace("\"postgres\"", "\"mysql\""), "CURRENT: field \"engine\" must be"},
                {SECRET.replace("\"host\":\"db.example\",", ""), "CURRENT: field \"host\" is missing"},
                {SECRET.replace("db.example", "h/x?socketFactory=y"), "CURRENT: field \"host\" is not a host name"},
                {SECRET.replace("\"6432\"", "\"64x\""), "CURRENT: field \"port\" must be a port number"},
                {SECRET.replace("\"6432\"", "70000"), "CURRENT: field \"port\" must be a port number"},
                {SECRET.replace("\"username\":\"app\",", ""), "CURRENT: field \"username\" is missing"},
                {SECRET.replace("\"app\"", "\"" + "a".repeat(64) + "\""), "CURRENT: field \"username\" must be at most 63"},
                {SECRET.replace("\"s3cret\"", "42"), "CURRENT: field \"password\" must be a non-empty string"},
                {SECRET.replace("\"password\":\"s3cret\",", ""), "CURRENT: field \"password\" is missing"},
                {SECRET.replace("\"orders\"", "\"\""), "CURRENT: field \"dbname\" must be a non-empty string"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> PostgresSecret.parse(c[0], "CURRENT")).as(c[1])
                    .isInstanceOf(RotationException.class).hasMessageStartingWith(c[1])
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"))
                    .hasNoCause();
        }
    }

    @Test
    void quotesIdentifiers() {
        assertThat(PostgresSql.identifier("app\"user")).isEqualTo("\"app\"\"user\"");
        assertThat(PostgresSql.createLoginRole("Mixed")).isEqualTo("CREATE ROLE \"Mixed\" WITH LOGIN");
        assertThat(PostgresSql.grantRole("app", "app_clone")).isEqualTo("GRANT \"app\" TO \"app_clone\"");
    }
}
