# The sample worker app image (ghcr.io/workerhealth/example-app). Build the jar first, from the repository root:
#   ./mvnw -B -pl examples -am package
#   docker build -f examples/Dockerfile.app -t ghcr.io/workerhealth/example-app:0.1.0 examples
# The build context is examples/, so only the shaded jar is sent to the builder.
FROM eclipse-temurin:17-jre

# A fixed numeric user so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
COPY target/worker-health-example-app.jar /app/worker-health-example-app.jar

USER 10001:10001
ENV PORT=8080 \
    BIND_ADDRESS=0.0.0.0
EXPOSE 8080

# exec form: java is PID 1 and receives SIGTERM directly, which runs the app's graceful shutdown.
ENTRYPOINT ["java", "-jar", "/app/worker-health-example-app.jar"]
