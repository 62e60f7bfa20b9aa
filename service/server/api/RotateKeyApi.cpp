// Root-KEK rotation: a new root KEK, every wrapped key in every table re-wrapped under it and the
// keyslots re-wrapped, all in the request's one transaction (with its audit row, written under
// the old epoch's MAC key); the in-memory key is swapped only once that has committed.

#include "api/ApiContext.h"
#include "api/Routes.h"
#include "protocol/JsonReader.h"
#include "vault/TableRewrap.h"
#include "vault/Vault.h"

namespace cortex::api {

void registerRotateKeyRoutes(http::Router &router, ApiContext &ctx)
{
    router.add(
        "POST", QStringLiteral("/admin/rotate-key"), audited(AdminRoute, "rotate_kek"),
        [&ctx](HttpRequest &request) {
            // `{}` is the whole request; an empty body means the same. keep_shares re-wraps the
            // share set instead of dropping it, so the officers' shares keep working.
            bool keepShares = false;
            if (!request.body.trimmed().isEmpty()) {
                const JsonReader body = JsonReader::parse(request.body);
                body.rejectUnknownFields({u"keep_shares"});
                keepShares = body.optionalBool(u"keep_shares").value_or(false);
            }
            vault::RewrapCounts counts;
            const vault::RootKeyRotation rotation = ctx.vault.rotateRootKey(
                [&](const crypto::SecureBytes &oldRoot, int oldVersion,
                    const crypto::SecureBytes &newRoot, int newVersion) {
                    counts =
                        vault::rewrapAllTables(ctx.db, oldRoot, oldVersion, newRoot, newVersion);
                },
                keepShares ? vault::SharesOnRotation::Keep
                           : vault::SharesOnRotation::InvalidateUnlessOnlySlot);
            QString message = QStringLiteral(
                "The root key was replaced and every stored key re-wrapped under it; the same "
                "password still unseals.");
            if (!rotation.sharesNote.isEmpty())
                message += u' ' + rotation.sharesNote;
            const QJsonObject detail{
                {QStringLiteral("old_kek_version"), rotation.oldVersion},
                {QStringLiteral("new_kek_version"), rotation.newVersion},
                {QStringLiteral("secrets_rewrapped"), counts.secretVersions},
                {QStringLiteral("notification_channels_rewrapped"), counts.notificationChannels},
                {QStringLiteral("server_keys_rewrapped"), counts.serverKeys},
                {QStringLiteral("audit_mac_keys_kept"), counts.auditMacKeys},
                {QStringLiteral("password_keyslots_rewrapped"), rotation.passwordSlotsRewrapped},
                {QStringLiteral("shares_invalidated"), rotation.sharesInvalidated}};
            request.notes.resource = QStringLiteral("kek/%1").arg(rotation.newVersion);
            request.notes.detail = detail;
            QJsonObject response = detail;
            response.insert(QStringLiteral("rotated"), true);
            response.insert(QStringLiteral("message"), message);
            return HttpResponse::json(200, response);
        });
}

} // namespace cortex::api
