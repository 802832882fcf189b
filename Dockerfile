# syntax=docker/dockerfile:1
# Payouts server image.
#   docker build -t payouts-server .
#   docker run -p 8080:8080 payouts-server

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Restore first, from the project files only, so the layer is cached until they change.
COPY global.json Directory.Build.props Directory.Packages.props Payouts.sln ./
COPY src/Payouts.Contracts/Payouts.Contracts.csproj src/Payouts.Contracts/
COPY src/Payouts.Core/Payouts.Core.csproj src/Payouts.Core/
COPY src/Payouts.Storage/Payouts.Storage.csproj src/Payouts.Storage/
COPY src/Payouts.Rails/Payouts.Rails.csproj src/Payouts.Rails/
COPY src/Payouts.Server/Payouts.Server.csproj src/Payouts.Server/
RUN dotnet restore src/Payouts.Server/Payouts.Server.csproj

COPY src/ src/
RUN dotnet publish src/Payouts.Server/Payouts.Server.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# A writable data folder for the non-root user (e.g. a local SQLite file).
RUN mkdir -p /app/data && chown "$APP_UID" /app/data
USER $APP_UID
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "Payouts.Server.dll"]
