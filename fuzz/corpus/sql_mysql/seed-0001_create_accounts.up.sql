CREATE TABLE accounts (
    id bigint unsigned NOT NULL AUTO_INCREMENT,
    email varchar(191) NOT NULL,
    display_name varchar(100) DEFAULT NULL,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY uk_accounts_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
