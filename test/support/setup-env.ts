// Tests never read the developer's own configuration file.
delete process.env.CAPACITY_IDP_CONFIG;
