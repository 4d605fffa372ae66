//! Account use cases: registration, e-mail verification, sessions (login, refresh, logout),
//! OAuth clients and their tokens, and resolving credentials into actors.

use souk_auth::client::{OAuthClient, new_client, token_scopes, view_client};
use souk_auth::otp::{OtpRefusal, check_otp, issue_otp};
use souk_auth::profile::{
    ApprovalStatus, LoginRefusal, NewAccount, Registration, SellerProfile, check_login, register,
    review_seller,
};
use souk_auth::refresh::{RefreshVerdict, issue_refresh, judge_refresh, refresh_digest};
use souk_auth::repository::{ClientRepository, CredentialRepository, ProfileRepository};
use souk_auth::token::ACCESS_TOKEN_TTL;
use souk_auth::{AccessClaims, User, UserRepository, UserStatus};
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, Role};
use souk_storage::files::{FileRecord, find_file, insert_file, new_record};
use souk_storage::{SqlAccounts, SqlUsers, db_error};
use uuid::Uuid;

use crate::Marketplace;
use crate::adapters::files::{MAX_FILE_BYTES, MAX_IMAGE_BYTES, is_image, sniff};
use crate::adapters::mail::Mail;
use crate::users::AccountOutcome;

/// A file sent with a registration form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field (`license`, `profile_pic`).
    pub field: String,
    /// The client's file name (informational only).
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Tokens handed to a signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The JWT access token.
    pub access_token: String,
    /// The opaque refresh token.
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
}

/// The result of verifying an e-mail address.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The now-verified user.
    pub user: User,
    /// Tokens, unless the account may not sign in yet (a seller awaiting approval).
    pub session: Option<Session>,
}

/// A client-credentials access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientToken {
    /// The JWT.
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Granted scopes, space separated.
    pub scope: String,
}

fn otp_mail(user: &User, code: &str) -> Mail {
    Mail {
        to: user.email.clone(),
        subject: "Your Souk verification code".into(),
        body: format!(
            "Hello {},\n\nyour verification code is {code}. It is valid for 10 minutes.\n\nIf you did not sign up for Souk, ignore this message.\n",
            user.first_name
        ),
    }
}

fn login_error(refusal: LoginRefusal) -> DomainError {
    match refusal {
        LoginRefusal::BadCredentials => DomainError::Unauthenticated,
        LoginRefusal::EmailNotVerified => DomainError::Refused {
            code: "EMAIL_NOT_VERIFIED",
            message: "verify your e-mail address first (POST /api/v1/auth/otp/resend sends a new code)"
                .into(),
        },
        LoginRefusal::SellerNotApproved => DomainError::Refused {
            code: "SELLER_NOT_APPROVED",
            message: "your seller account is awaiting approval by an admin".into(),
        },
        LoginRefusal::Suspended => DomainError::Forbidden("this account is suspended".into()),
    }
}

impl Marketplace {
    /// The sniffed type of an upload within its size limit, or a field error.
    pub(crate) fn check_upload(
        &self,
        upload: &Upload,
        images_only: bool,
    ) -> Result<&'static str, DomainError> {
        let allowed = |mime: &&str| is_image(mime) || (!images_only && *mime == "application/pdf");
        let mime = sniff(&upload.bytes).filter(allowed).ok_or_else(|| {
            let expected = if images_only { "a JPEG, PNG, WebP or GIF image" } else { "an image or a PDF" };
            DomainError::invalid(&upload.field, format!("must be {expected} (judged by its content)"))
        })?;
        let limit = if is_image(mime) { MAX_IMAGE_BYTES } else { MAX_FILE_BYTES };
        if upload.bytes.len() > limit {
            return Err(DomainError::invalid(
                &upload.field,
                format!("must be at most {} MiB", limit / (1024 * 1024)),
            ));
        }
        Ok(mime)
    }

    /// Registers a buyer or seller (files as uploads, or as ids of stored files), stores an
    /// e-mail code and sends it. All or nothing: a refused registration stores nothing.
    pub async fn register(&self, input: Registration, uploads: Vec<Upload>) -> Result<User, DomainError> {
        let (account, pending_files) = self.validate_registration(input, uploads).await?;
        let code = self.persist_account(&account, &pending_files, true).await?.unwrap_or_default();
        self.send_mail(otp_mail(&account.user, &code)).await;
        tracing::info!(user_id = %account.user.id, role = %account.user.role, "account registered");
        Ok(account.user)
    }

    /// Creates a buyer or seller whose e-mail counts as verified and, for sellers, approved by
    /// the acting admin at once (admins; demo data and operator onboarding). The same rules as
    /// [`Marketplace::register`] apply, approval goes through the seller review rule, and no code
    /// is mailed. Returns the existing account untouched when the e-mail or username is taken.
    pub async fn provision_account(
        &self,
        actor: &Actor,
        input: Registration,
        uploads: Vec<Upload>,
    ) -> Result<AccountOutcome, DomainError> {
        crate::users::require_admin(actor)?;
        let users = SqlUsers::new(&self.db.conn);
        for login in [input.username.trim().to_owned(), input.email.trim().to_lowercase()] {
            if let Some(user) = users.find_by_login(&login).await? {
                return Ok(AccountOutcome::AlreadyExists(user));
            }
        }
        let (mut account, pending_files) = self.validate_registration(input, uploads).await?;
        let now = self.clock().now();
        account.user.email_verified_at = Some(now);
        account.user.status = UserStatus::Active;
        if let Some(seller) = account.seller.take() {
            account.seller = Some(review_seller(actor, seller, ApprovalStatus::Approved, now)?);
        }
        self.persist_account(&account, &pending_files, false).await?;
        tracing::info!(user_id = %account.user.id, role = %account.user.role, "account provisioned");
        Ok(AccountOutcome::Created(account.user))
    }

    /// Checks uploads, referenced files and the registration rules, gathering every field error.
    async fn validate_registration(
        &self,
        mut input: Registration,
        uploads: Vec<Upload>,
    ) -> Result<(NewAccount, Vec<(FileRecord, Vec<u8>)>), DomainError> {
        let now = self.clock().now();
        let mut errors = FieldErrors::new();
        let mut pending_files: Vec<(FileRecord, Vec<u8>)> = Vec::new();
        for upload in uploads {
            let images_only = upload.field == "profile_pic";
            match self.check_upload(&upload, images_only) {
                Ok(mime) => {
                    let id = Uuid::now_v7();
                    let key = format!("users/{id}");
                    let mut record =
                        new_record(None, &upload.name, mime, upload.bytes.len() as i64, key, now);
                    record.id = id;
                    match upload.field.as_str() {
                        "license" => input.license_file_id = Some(id),
                        _ => input.profile_pic_file_id = Some(id),
                    }
                    pending_files.push((record, upload.bytes));
                }
                Err(DomainError::Validation(upload_errors)) => errors.extend(upload_errors),
                Err(other) => return Err(other),
            }
        }
        for (field, id) in [("license", input.license_file_id), ("profile_pic", input.profile_pic_file_id)] {
            let uploaded = pending_files.iter().any(|(record, _)| Some(record.id) == id);
            if let Some(id) = id.filter(|_| !uploaded) {
                let unclaimed =
                    find_file(&self.db.conn, id).await.map_err(db_error)?.filter(|f| f.owner_id.is_none());
                if unclaimed.is_none() {
                    errors.add(field, "names no stored file that is free to use");
                }
            }
        }
        let hasher = self.hasher.clone();
        let validated = tokio::task::spawn_blocking(move || register(input, &hasher, now))
            .await
            .map_err(DomainError::unexpected)?;
        match validated {
            Ok(account) if errors.is_empty() => Ok((account, pending_files)),
            Ok(_) => Err(DomainError::Validation(errors)),
            Err(DomainError::Validation(more)) => {
                errors.extend(more);
                Err(DomainError::Validation(errors))
            }
            Err(other) => Err(other),
        }
    }

    /// Stores the files' bytes and the account rows; on any failure the bytes are removed again.
    /// With `issue_code` an e-mail code is stored too and returned.
    async fn persist_account(
        &self,
        account: &NewAccount,
        pending_files: &[(FileRecord, Vec<u8>)],
        issue_code: bool,
    ) -> Result<Option<String>, DomainError> {
        let mut stored = Ok(None);
        for (record, bytes) in pending_files {
            if let Err(error) = self.files.put(&record.storage_key, bytes).await {
                stored = Err(error);
                break;
            }
        }
        if stored.is_ok() {
            stored = self.store_account(account, pending_files, issue_code).await;
        }
        if stored.is_err() {
            for (record, _) in pending_files {
                let _ = self.files.delete(&record.storage_key).await;
            }
        }
        stored
    }

    async fn store_account(
        &self,
        account: &NewAccount,
        files: &[(FileRecord, Vec<u8>)],
        issue_code: bool,
    ) -> Result<Option<String>, DomainError> {
        let tx = self.db.begin_write().await.map_err(db_error)?;
        SqlUsers::new(&tx).insert(&account.user).await?;
        for (record, _) in files {
            let mut record = record.clone();
            record.owner_id = Some(account.user.id.as_uuid());
            insert_file(&tx, &record).await.map_err(db_error)?;
        }
        let accounts = SqlAccounts::new(&tx);
        if let Some(seller) = &account.seller {
            accounts.insert_seller(seller).await?;
        }
        if let Some(buyer) = &account.buyer {
            accounts.insert_buyer(buyer).await?;
        }
        let user = &account.user;
        let data = serde_json::json!({
            "id": user.id, "username": user.username, "email": user.email,
            "role": user.role.as_str(), "status": user.status.as_str(), "created_at": user.created_at,
        });
        let seller = (user.role == souk_kernel::Role::Seller).then_some(user.id.as_uuid());
        crate::outbox::record(&tx, "user.created", "user", user.id.as_uuid(), seller, data, user.created_at)
            .await?;
        let code = if issue_code {
            let (code, otp) = issue_otp(account.user.id, chrono::Utc::now());
            accounts.put_otp(&otp).await?;
            Some(code)
        } else {
            None
        };
        tx.commit().await.map_err(db_error)?;
        Ok(code)
    }

    /// Mail failures never undo the stored change; they are logged and the client may ask again.
    async fn send_mail(&self, mail: Mail) {
        if let Err(error) = self.mailer.send(&mail).await {
            tracing::error!(%error, to = %mail.to, "could not send mail");
        }
    }

    async fn user_by_email(&self, email: &str) -> Result<User, DomainError> {
        SqlUsers::new(&self.db.conn)
            .find_by_login(&email.trim().to_lowercase())
            .await?
            .filter(|user| user.email == email.trim().to_lowercase())
            .ok_or(DomainError::NotFound { resource: "account" })
    }

    /// Sends a new code (the old one stops working). `Ok(false)` when already verified.
    pub async fn resend_otp(&self, email: &str) -> Result<bool, DomainError> {
        let user = self.user_by_email(email).await?;
        if user.email_verified_at.is_some() {
            return Ok(false);
        }
        let (code, otp) = issue_otp(user.id, chrono::Utc::now());
        let tx = self.db.begin_write().await.map_err(db_error)?;
        SqlAccounts::new(&tx).put_otp(&otp).await?;
        tx.commit().await.map_err(db_error)?;
        self.send_mail(otp_mail(&user, &code)).await;
        Ok(true)
    }

    /// Verifies an e-mail address with its code and signs the user in (if it may sign in).
    pub async fn verify_email(&self, email: &str, code: &str) -> Result<Verified, DomainError> {
        let user = self.user_by_email(email).await?;
        if user.email_verified_at.is_some() {
            return Err(DomainError::Conflict("this e-mail address is already verified; sign in".into()));
        }
        let now = self.clock().now();
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let accounts = SqlAccounts::new(&tx);
        let otp = accounts.find_otp(user.id).await?;
        if let Err(refusal) = check_otp(otp.as_ref(), code, chrono::Utc::now()) {
            let error = match refusal {
                OtpRefusal::Wrong { remaining } => {
                    accounts.count_otp_attempt(user.id).await?;
                    DomainError::invalid("otp", format!("is not correct; {remaining} tries left"))
                }
                OtpRefusal::Locked => DomainError::TooManyAttempts(
                    "too many wrong codes; request a new one with /auth/otp/resend".into(),
                ),
                OtpRefusal::Expired => DomainError::invalid("otp", "has expired; request a new one"),
                OtpRefusal::Missing => DomainError::invalid("otp", "no code is pending; request a new one"),
            };
            tx.commit().await.map_err(db_error)?;
            return Err(error);
        }
        let mut user = user;
        user.email_verified_at = Some(now);
        if user.status == UserStatus::PendingVerification {
            user.status = UserStatus::Active;
        }
        user.updated_at = now;
        SqlUsers::new(&tx).update(&user).await?;
        accounts.delete_otp(user.id).await?;
        let seller = accounts.find_seller(user.id).await?;
        let may_sign_in = user.role != Role::Seller
            || seller.is_some_and(|s: SellerProfile| s.approval == ApprovalStatus::Approved);
        let session = if may_sign_in { Some(self.open_session(&tx, &user, None).await?) } else { None };
        tx.commit().await.map_err(db_error)?;
        Ok(Verified { user, session })
    }

    async fn open_session<C: sea_orm::ConnectionTrait + Send + Sync>(
        &self,
        conn: &C,
        user: &User,
        family: Option<Uuid>,
    ) -> Result<Session, DomainError> {
        let now = chrono::Utc::now();
        let (refresh_token, stored) = issue_refresh(user.id, family, now);
        SqlAccounts::new(conn).insert_refresh(&stored).await?;
        let access_token =
            self.tokens.sign(&AccessClaims::for_user(user.id, user.role, now, ACCESS_TOKEN_TTL));
        Ok(Session { access_token, refresh_token, expires_in: ACCESS_TOKEN_TTL.num_seconds() })
    }

    /// Signs in by username or e-mail. Unknown users and wrong passwords are the same
    /// `Unauthenticated` and cost the same time.
    pub async fn login(&self, login: &str, password: &str) -> Result<(User, Session), DomainError> {
        let user = SqlUsers::new(&self.db.conn).find_by_login(login).await?;
        let seller = match &user {
            Some(user) if user.role == Role::Seller => {
                SqlAccounts::new(&self.db.conn).find_seller(user.id).await?
            }
            _ => None,
        };
        let hasher = self.hasher.clone();
        let password = password.to_owned();
        let (checked_user, seller) = (user.clone(), seller.clone());
        tokio::task::spawn_blocking(move || {
            check_login(checked_user.as_ref(), seller.as_ref(), &password, &hasher)
        })
        .await
        .map_err(DomainError::unexpected)?
        .map_err(login_error)?;
        let user = user.ok_or(DomainError::Unauthenticated)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let session = self.open_session(&tx, &user, None).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((user, session))
    }

    /// Exchanges a refresh token for a new pair. A token used twice revokes its whole family.
    pub async fn refresh(&self, refresh_token: &str) -> Result<(User, Session), DomainError> {
        let now = chrono::Utc::now();
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let accounts = SqlAccounts::new(&tx);
        let stored = accounts
            .find_refresh(&refresh_digest(refresh_token.trim()))
            .await?
            .ok_or(DomainError::Unauthenticated)?;
        match judge_refresh(&stored, now) {
            RefreshVerdict::Rotate if accounts.mark_rotated(stored.id, now).await? => {}
            RefreshVerdict::Dead => return Err(DomainError::Unauthenticated),
            _ => {
                accounts.revoke_family(stored.family_id, now).await?;
                tx.commit().await.map_err(db_error)?;
                tracing::warn!(user_id = %stored.user_id, family = %stored.family_id, "refresh token reused; family revoked");
                return Err(DomainError::Unauthenticated);
            }
        }
        let user = SqlUsers::new(&tx).find(stored.user_id).await?.ok_or(DomainError::Unauthenticated)?;
        if user.status == UserStatus::Suspended {
            return Err(login_error(LoginRefusal::Suspended));
        }
        let session = self.open_session(&tx, &user, Some(stored.family_id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((user, session))
    }

    /// Signs out: revokes the family of the given refresh token (which must be the caller's).
    pub async fn logout(&self, actor: &Actor, refresh_token: &str) -> Result<(), DomainError> {
        let Some(user) = actor.user_id() else { return Err(DomainError::Unauthenticated) };
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let accounts = SqlAccounts::new(&tx);
        let stored = accounts
            .find_refresh(&refresh_digest(refresh_token.trim()))
            .await?
            .filter(|token| token.user_id == user)
            .ok_or(DomainError::NotFound { resource: "refresh token" })?;
        accounts.revoke_family(stored.family_id, chrono::Utc::now()).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Creates an OAuth client (admins and sellers); the plain secret is returned once.
    pub async fn create_client(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[String],
    ) -> Result<(OAuthClient, String), DomainError> {
        let (client, secret) = new_client(actor, name, scopes, self.clock().now())?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        SqlAccounts::new(&tx).insert_client(&client).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((client, secret))
    }

    /// The caller's clients (admins: every client).
    pub async fn list_clients(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<OAuthClient>, DomainError> {
        let Some(user) = actor.user_id() else { return Err(DomainError::Unauthenticated) };
        if actor.role() == Some(Role::Buyer) {
            return Err(DomainError::Forbidden("buyers have no OAuth clients".into()));
        }
        let owner = if actor.is_admin() { None } else { Some(user) };
        SqlAccounts::new(&self.db.conn).list_clients(owner, page).await
    }

    /// Revokes a client (its owner or an admin); its tokens stop working at once.
    pub async fn revoke_client(&self, actor: &Actor, id: Uuid) -> Result<(), DomainError> {
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let accounts = SqlAccounts::new(&tx);
        let client = view_client(actor, accounts.find_client(id).await?)?;
        accounts.revoke_client(client.id, chrono::Utc::now()).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn active_client(&self, client_id: &str, secret: &str) -> Result<OAuthClient, DomainError> {
        SqlAccounts::new(&self.db.conn)
            .find_client_by_client_id(client_id)
            .await?
            .filter(|client| client.is_active() && client.secret_matches(secret))
            .ok_or(DomainError::Unauthenticated)
    }

    /// `grant_type=client_credentials`: a token acting as the client's owner, narrowed to scopes.
    pub async fn client_token(
        &self,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> Result<ClientToken, DomainError> {
        let client = self.active_client(client_id, secret).await?;
        let owner = self.acting_user(client.owner).await?;
        let scopes = token_scopes(&client, scope)?;
        let now = chrono::Utc::now();
        let mut claims = AccessClaims::for_user(owner.id, owner.role, now, ACCESS_TOKEN_TTL);
        claims.client_id = Some(client.client_id.clone());
        claims.scope = scopes.join(" ");
        Ok(ClientToken {
            access_token: self.tokens.sign(&claims),
            expires_in: ACCESS_TOKEN_TTL.num_seconds(),
            scope: claims.scope,
        })
    }

    /// The account behind a credential, if it still exists and is not suspended: deleting,
    /// suspending or demoting an account takes effect on its very next request.
    async fn acting_user(&self, id: souk_kernel::UserId) -> Result<User, DomainError> {
        SqlUsers::new(&self.db.conn)
            .find(id)
            .await?
            .filter(|user| user.status != UserStatus::Suspended)
            .ok_or(DomainError::Unauthenticated)
    }

    /// Resolves a bearer token into an actor with the account's current role; client tokens also
    /// need their client to be active still.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Actor, DomainError> {
        let claims = self.tokens.verify(token).map_err(|_| DomainError::Unauthenticated)?;
        let Ok(Actor::User { id, .. } | Actor::Client { owner: id, .. }) = claims.actor() else {
            return Err(DomainError::Unauthenticated);
        };
        let user = self.acting_user(id).await?;
        match claims.actor() {
            Ok(Actor::Client { client_id, scopes, .. }) => {
                let client = SqlAccounts::new(&self.db.conn).find_client_by_client_id(&client_id).await?;
                if !client.is_some_and(|c| c.is_active()) {
                    return Err(DomainError::Unauthenticated);
                }
                Ok(Actor::Client { client_id, owner: user.id, role: user.role, scopes })
            }
            _ => Ok(Actor::User { id: user.id, role: user.role }),
        }
    }

    /// Resolves HTTP Basic `client_id:client_secret` into the client's actor.
    pub async fn authenticate_basic(&self, client_id: &str, secret: &str) -> Result<Actor, DomainError> {
        let client = self.active_client(client_id, secret).await?;
        let owner = self.acting_user(client.owner).await?;
        Ok(Actor::Client {
            client_id: client.client_id,
            owner: owner.id,
            role: owner.role,
            scopes: client.scopes,
        })
    }
}
