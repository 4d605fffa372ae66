//! Storage on both backends: migrations, id and time encoding, uniqueness, write transactions.

use sea_orm::{ConnectionTrait, Statement};
use souk_auth::{UserFilter, UserRepository, UserSort};
use souk_kernel::{DomainError, PageRequest, Role, SortDirection};
use souk_storage::{Database, SqlUsers};
use souk_tests::{Backend, TestDatabase, TestServer, on_both_backends};

async fn migrations_are_idempotent_and_listed(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let applied = Database::migrate(&database.url).await.unwrap();
    assert!(Database::migrate(&database.url).await.unwrap().is_empty(), "a second run applies nothing");
    let db = Database::connect(&database.url, 2).await.unwrap();
    let status = db.migration_status().await.unwrap();
    assert_eq!(applied.len(), status.len(), "a fresh database applies every migration");
    assert!(status.iter().all(|(_, applied)| *applied), "{status:?}");
    db.conn.close().await.unwrap();
}

async fn ids_and_times_round_trip_and_agree_with_raw_sql(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.create_user(Role::Seller, "roundtrip").await;
    let users = SqlUsers::new(&server.db().conn);
    let loaded = users.find(user.id).await.unwrap().unwrap();
    assert_eq!(loaded, user, "every field, including microsecond timestamps, survives storage");

    let conn = &server.db().conn;
    let backend_kind = conn.get_database_backend();
    let sql = match backend {
        Backend::Sqlite => "SELECT username FROM users WHERE id = ?",
        Backend::Postgres => "SELECT username FROM users WHERE id = $1",
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend_kind, sql, [user.id.as_uuid().into()]))
        .await
        .unwrap()
        .expect("raw SQL finds the row by a bound UUID");
    assert_eq!(row.try_get::<String>("", "username").unwrap(), "roundtrip");

    let type_sql = match backend {
        Backend::Sqlite => "SELECT typeof(id) AS kind FROM users LIMIT 1",
        Backend::Postgres => "SELECT pg_typeof(id)::text AS kind FROM users LIMIT 1",
    };
    let kind = conn.query_one_raw(Statement::from_string(backend_kind, type_sql)).await.unwrap().unwrap();
    let expected = match backend {
        Backend::Sqlite => "blob",
        Backend::Postgres => "uuid",
    };
    assert_eq!(kind.try_get::<String>("", "kind").unwrap(), expected, "ids are 16-byte values, not text");
}

async fn duplicates_are_conflicts(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.create_user(Role::Buyer, "unique").await;
    let users = SqlUsers::new(&server.db().conn);
    let mut twin = user.clone();
    twin.id = souk_kernel::UserId::new();
    let Err(DomainError::Conflict(message)) = users.insert(&twin).await else { panic!("conflict expected") };
    assert!(
        message.contains("email") || message.contains("username") || message.contains("duplicate"),
        "{message}"
    );
    assert!(
        users.find_by_login("UNIQUE@souk.example").await.unwrap().is_some(),
        "e-mail login is case-insensitive"
    );
    assert!(users.find_by_login("unique").await.unwrap().is_some());
}

async fn a_failed_use_case_leaves_nothing_behind(backend: Backend) {
    let server = TestServer::start(backend).await;
    let db = server.db();
    let tx = db.begin_write().await.unwrap();
    let user = {
        let users = SqlUsers::new(&tx);
        let now = chrono::Utc::now();
        let user = souk_auth::User {
            id: souk_kernel::UserId::new(),
            email: "ghost@souk.example".into(),
            username: "ghost".into(),
            password_hash: "x".into(),
            role: Role::Buyer,
            status: souk_auth::UserStatus::Active,
            first_name: String::new(),
            last_name: String::new(),
            phone: None,
            email_verified_at: None,
            created_at: now,
            updated_at: now,
        };
        users.insert(&user).await.unwrap();
        assert!(users.find(user.id).await.unwrap().is_some(), "visible inside the transaction");
        user
    };
    tx.rollback().await.unwrap();
    assert!(SqlUsers::new(&db.conn).find(user.id).await.unwrap().is_none(), "rolled back");
    let page = SqlUsers::new(&db.conn)
        .list(&UserFilter::default(), UserSort::CreatedAt, SortDirection::Desc, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 0);
}

on_both_backends!(
    migrations_are_idempotent_and_listed,
    ids_and_times_round_trip_and_agree_with_raw_sql,
    duplicates_are_conflicts,
    a_failed_use_case_leaves_nothing_behind,
);
