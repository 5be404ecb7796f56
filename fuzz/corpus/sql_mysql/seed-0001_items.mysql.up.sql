CREATE TABLE items (id bigint PRIMARY KEY AUTO_INCREMENT, sku varchar(64) NOT NULL, title varchar(200)) ENGINE=InnoDB;
