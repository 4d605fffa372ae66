//! Escrow and payments: payment gateways, payments (one per attempt, covering one or several
//! orders of a cart), the double-entry ledger (accounts with cached balances, transfers with
//! idempotency keys, append-only entries), returns, disputes, seller payment accounts and payouts,
//! and the time an order's escrow becomes due for release.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::shared_index::create_index as index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
    ReleaseAt,
    Status,
}

#[derive(DeriveIden, Clone, Copy)]
enum PaymentGateways {
    Table,
    Id,
    Title,
    Provider,
    Sandbox,
    Status,
    Currency,
    MinAmount,
    MaxAmount,
    Settings,
    Secrets,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Payments {
    Table,
    Id,
    TxRef,
    GatewayId,
    BuyerId,
    CartId,
    Currency,
    Amount,
    Status,
    ProviderReference,
    Method,
    CardBrand,
    CardLast4,
    CheckoutUrl,
    PaidAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PaymentOrders {
    Table,
    PaymentId,
    OrderId,
    Amount,
}

#[derive(DeriveIden, Clone, Copy)]
enum LedgerAccounts {
    Table,
    Id,
    Kind,
    OwnerId,
    SellerId,
    Currency,
    Balance,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LedgerTransfers {
    Table,
    Id,
    Key,
    Kind,
    OrderId,
    PaymentId,
    Currency,
    Amount,
    Memo,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LedgerEntries {
    Table,
    Id,
    TransferId,
    AccountId,
    Amount,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Returns {
    Table,
    Id,
    OrderId,
    BuyerId,
    SellerId,
    Token,
    Status,
    Reason,
    HasDefect,
    DefectDescription,
    DefectPhotoFileId,
    RefundAmount,
    PenaltyAmount,
    RequestedAt,
    ExpiresAt,
    ResolvedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Disputes {
    Table,
    Id,
    OrderId,
    ReturnId,
    BuyerId,
    SellerId,
    Reason,
    PhotoFileId,
    Status,
    Outcome,
    BuyerAmount,
    SellerAmount,
    Note,
    ResolvedBy,
    OpenedAt,
    ResolvedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PaymentAccounts {
    Table,
    Id,
    UserId,
    GatewayId,
    ExternalAccountId,
    Properties,
    TosAcceptance,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Payouts {
    Table,
    Id,
    SellerId,
    PaymentAccountId,
    Currency,
    Amount,
    Status,
    ProviderReference,
    CreatedAt,
}

fn user_fk<T: IntoIden + Copy + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn order_fk<T: IntoIden + Copy + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Orders::Table, Orders::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::ReleaseAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_orders_status_release",
            Orders::Table,
            &[Orders::Status, Orders::ReleaseAt],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentGateways::Table)
                    .col(uuid(PaymentGateways::Id).primary_key())
                    .col(string_len(PaymentGateways::Title, 100))
                    .col(string_len(PaymentGateways::Provider, 16))
                    .col(boolean(PaymentGateways::Sandbox))
                    .col(string_len(PaymentGateways::Status, 16))
                    .col(string_len(PaymentGateways::Currency, 3))
                    .col(big_integer_null(PaymentGateways::MinAmount))
                    .col(big_integer_null(PaymentGateways::MaxAmount))
                    .col(text(PaymentGateways::Settings))
                    .col(text(PaymentGateways::Secrets))
                    .col(timestamp_with_time_zone(PaymentGateways::CreatedAt))
                    .col(timestamp_with_time_zone(PaymentGateways::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(uuid(Payments::Id).primary_key())
                    .col(string_len_uniq(Payments::TxRef, 64))
                    .col(uuid(Payments::GatewayId))
                    .col(uuid(Payments::BuyerId))
                    .col(uuid_null(Payments::CartId))
                    .col(string_len(Payments::Currency, 3))
                    .col(big_integer(Payments::Amount))
                    .col(string_len(Payments::Status, 16))
                    .col(string_len_null(Payments::ProviderReference, 200))
                    .col(string_len_null(Payments::Method, 32))
                    .col(string_len_null(Payments::CardBrand, 32))
                    .col(string_len_null(Payments::CardLast4, 4))
                    .col(string_len_null(Payments::CheckoutUrl, 2000))
                    .col(timestamp_with_time_zone_null(Payments::PaidAt))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .col(timestamp_with_time_zone(Payments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Payments::Table, Payments::GatewayId)
                            .to(PaymentGateways::Table, PaymentGateways::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut user_fk(Payments::Table, Payments::BuyerId))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_payments_gateway", Payments::Table, &[Payments::GatewayId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentOrders::Table)
                    .col(uuid(PaymentOrders::PaymentId))
                    .col(uuid(PaymentOrders::OrderId))
                    .col(big_integer(PaymentOrders::Amount))
                    .primary_key(Index::create().col(PaymentOrders::PaymentId).col(PaymentOrders::OrderId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentOrders::Table, PaymentOrders::PaymentId)
                            .to(Payments::Table, Payments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentOrders::Table, PaymentOrders::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_payment_orders_order", PaymentOrders::Table, &[PaymentOrders::OrderId], false)
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerAccounts::Table)
                    .col(uuid(LedgerAccounts::Id).primary_key())
                    .col(string_len(LedgerAccounts::Kind, 32))
                    .col(uuid(LedgerAccounts::OwnerId))
                    .col(uuid_null(LedgerAccounts::SellerId))
                    .col(string_len(LedgerAccounts::Currency, 3))
                    .col(big_integer(LedgerAccounts::Balance))
                    .col(timestamp_with_time_zone(LedgerAccounts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_ledger_accounts_key",
            LedgerAccounts::Table,
            &[LedgerAccounts::Kind, LedgerAccounts::OwnerId, LedgerAccounts::Currency],
            true,
        )
        .await?;
        index(
            manager,
            "idx_ledger_accounts_seller",
            LedgerAccounts::Table,
            &[LedgerAccounts::SellerId, LedgerAccounts::Kind],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerTransfers::Table)
                    .col(uuid(LedgerTransfers::Id).primary_key())
                    .col(string_len_uniq(LedgerTransfers::Key, 200))
                    .col(string_len(LedgerTransfers::Kind, 32))
                    .col(uuid_null(LedgerTransfers::OrderId))
                    .col(uuid_null(LedgerTransfers::PaymentId))
                    .col(string_len(LedgerTransfers::Currency, 3))
                    .col(big_integer(LedgerTransfers::Amount))
                    .col(string_len_null(LedgerTransfers::Memo, 500))
                    .col(timestamp_with_time_zone(LedgerTransfers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_ledger_transfers_order",
            LedgerTransfers::Table,
            &[LedgerTransfers::OrderId],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(uuid(LedgerEntries::Id).primary_key())
                    .col(uuid(LedgerEntries::TransferId))
                    .col(uuid(LedgerEntries::AccountId))
                    .col(big_integer(LedgerEntries::Amount))
                    .col(timestamp_with_time_zone(LedgerEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LedgerEntries::Table, LedgerEntries::TransferId)
                            .to(LedgerTransfers::Table, LedgerTransfers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LedgerEntries::Table, LedgerEntries::AccountId)
                            .to(LedgerAccounts::Table, LedgerAccounts::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_ledger_entries_account",
            LedgerEntries::Table,
            &[LedgerEntries::AccountId, LedgerEntries::Id],
            false,
        )
        .await?;
        index(
            manager,
            "idx_ledger_entries_transfer",
            LedgerEntries::Table,
            &[LedgerEntries::TransferId],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Returns::Table)
                    .col(uuid(Returns::Id).primary_key())
                    .col(uuid(Returns::OrderId))
                    .col(uuid(Returns::BuyerId))
                    .col(uuid(Returns::SellerId))
                    .col(string_len_uniq(Returns::Token, 64))
                    .col(string_len(Returns::Status, 16))
                    .col(string_len_null(Returns::Reason, 1000))
                    .col(boolean(Returns::HasDefect))
                    .col(string_len_null(Returns::DefectDescription, 2000))
                    .col(uuid_null(Returns::DefectPhotoFileId))
                    .col(big_integer_null(Returns::RefundAmount))
                    .col(big_integer_null(Returns::PenaltyAmount))
                    .col(timestamp_with_time_zone(Returns::RequestedAt))
                    .col(timestamp_with_time_zone(Returns::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Returns::ResolvedAt))
                    .foreign_key(&mut order_fk(Returns::Table, Returns::OrderId))
                    .foreign_key(&mut user_fk(Returns::Table, Returns::BuyerId))
                    .foreign_key(&mut user_fk(Returns::Table, Returns::SellerId))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_returns_order", Returns::Table, &[Returns::OrderId], false).await?;
        index(
            manager,
            "idx_returns_status_expiry",
            Returns::Table,
            &[Returns::Status, Returns::ExpiresAt],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Disputes::Table)
                    .col(uuid(Disputes::Id).primary_key())
                    .col(uuid(Disputes::OrderId))
                    .col(uuid_null(Disputes::ReturnId))
                    .col(uuid(Disputes::BuyerId))
                    .col(uuid(Disputes::SellerId))
                    .col(string_len(Disputes::Reason, 2000))
                    .col(uuid_null(Disputes::PhotoFileId))
                    .col(string_len(Disputes::Status, 16))
                    .col(string_len_null(Disputes::Outcome, 32))
                    .col(big_integer_null(Disputes::BuyerAmount))
                    .col(big_integer_null(Disputes::SellerAmount))
                    .col(string_len_null(Disputes::Note, 2000))
                    .col(uuid_null(Disputes::ResolvedBy))
                    .col(timestamp_with_time_zone(Disputes::OpenedAt))
                    .col(timestamp_with_time_zone_null(Disputes::ResolvedAt))
                    .foreign_key(&mut order_fk(Disputes::Table, Disputes::OrderId))
                    .foreign_key(&mut user_fk(Disputes::Table, Disputes::BuyerId))
                    .foreign_key(&mut user_fk(Disputes::Table, Disputes::SellerId))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_disputes_order", Disputes::Table, &[Disputes::OrderId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentAccounts::Table)
                    .col(uuid(PaymentAccounts::Id).primary_key())
                    .col(uuid(PaymentAccounts::UserId))
                    .col(uuid(PaymentAccounts::GatewayId))
                    .col(string_len(PaymentAccounts::ExternalAccountId, 200))
                    .col(text(PaymentAccounts::Properties))
                    .col(text_null(PaymentAccounts::TosAcceptance))
                    .col(timestamp_with_time_zone(PaymentAccounts::CreatedAt))
                    .col(timestamp_with_time_zone(PaymentAccounts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentAccounts::Table, PaymentAccounts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentAccounts::Table, PaymentAccounts::GatewayId)
                            .to(PaymentGateways::Table, PaymentGateways::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_payment_accounts_user",
            PaymentAccounts::Table,
            &[PaymentAccounts::UserId],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payouts::Table)
                    .col(uuid(Payouts::Id).primary_key())
                    .col(uuid(Payouts::SellerId))
                    .col(uuid_null(Payouts::PaymentAccountId))
                    .col(string_len(Payouts::Currency, 3))
                    .col(big_integer(Payouts::Amount))
                    .col(string_len(Payouts::Status, 16))
                    .col(string_len_null(Payouts::ProviderReference, 200))
                    .col(timestamp_with_time_zone(Payouts::CreatedAt))
                    .foreign_key(&mut user_fk(Payouts::Table, Payouts::SellerId))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_payouts_seller", Payouts::Table, &[Payouts::SellerId, Payouts::CreatedAt], false)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Payouts::Table.into_iden(),
            PaymentAccounts::Table.into_iden(),
            Disputes::Table.into_iden(),
            Returns::Table.into_iden(),
            LedgerEntries::Table.into_iden(),
            LedgerTransfers::Table.into_iden(),
            LedgerAccounts::Table.into_iden(),
            PaymentOrders::Table.into_iden(),
            Payments::Table.into_iden(),
            PaymentGateways::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .drop_index(Index::drop().name("idx_orders_status_release").table(Orders::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Orders::Table).drop_column(Orders::ReleaseAt).to_owned())
            .await
    }
}
