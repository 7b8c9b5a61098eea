-- one database per service: no service reads another's tables
CREATE DATABASE contract;
CREATE DATABASE review;
CREATE DATABASE signing;
CREATE DATABASE letters;
CREATE DATABASE notify;
CREATE DATABASE gateway;
