module example.com/workgrinder

go 1.19
