module workgrinder

go 1.19
